/**
 * Copies kept: asking a peer, now, which of some blobs it holds and keeps (capability {@code
 * keeps/1}), so a node may drop its own cached copy only while enough others confirm theirs.
 *
 * <h2>Kept</h2>
 *
 * A blob is kept by a node when it is present there and the node keeps it by its own choice: it is
 * in a store that node keeps {@code full}, or under one of its pins. A cached copy (an {@code
 * on-demand} store's chunk) is present but not kept: its node may drop it.
 */
package org.latticefs.mesh.keep;
