/**
 * Pins, store modes and presence: what a node keeps and says it keeps.
 *
 * <h2>Keys (root store; values UTF-8 text; a node writes only its own)</h2>
 *
 * <pre>
 * /cas/pins/{node}/{hash}                  pending | stored   a manifest and its tree, as it is
 * /cas/pins/{node}/inode/{store}/{id}      pending | stored   a file or folder (16-hex inode id):
 *                                                             follows renames and new content
 * /nodes/{node}/stores/{store}/mode        full | on-demand   absent: full
 * /nodes/{node}/stores/{store}/holds       complete {time}    the node holds the whole store
 * /blobs/{hash}/nodes/{node}               pinned             the node holds the manifest's tree
 * </pre>
 *
 * A full node says once per store that it holds it ({@link org.latticefs.gc.pin.StoreMirror}, which
 * first fetches every blob of the store it lacks), so presence does not grow the log with every
 * file; per-manifest presence is written for hash pins only. A stored inode pin is itself the
 * presence of that subtree.
 *
 * <h2>Pin</h2>
 *
 * {@link org.latticefs.gc.pin.PinBook} writes the keys; {@link org.latticefs.gc.pin.PinReconciler}
 * takes each pin from {@code pending} to {@code stored}: it holds every blob of the tree, looks for
 * it here, fetches what is missing through the fetch seam, verifies and stores it, then writes
 * {@code stored} (and presence) in one entry. Restart-safe; unpinning deletes nothing.
 *
 * <h2>Mirror</h2>
 *
 * {@link org.latticefs.gc.pin.StoreMirror} keeps every store this node keeps {@code full} whole
 * here: it fetches what the store reaches and this node lacks, in the background, as entries
 * arrive, then writes the store's {@code holds} presence once.
 *
 * <h2>Kept</h2>
 *
 * {@link org.latticefs.gc.pin.KeptBlobs} says which blobs this node holds and keeps (a {@code full}
 * store or a pin reaches them): what it answers a peer whose cache eviction asks.
 */
package org.latticefs.gc.pin;
