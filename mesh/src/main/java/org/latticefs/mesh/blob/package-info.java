/**
 * Blob exchange between peers (capability {@code blobs/1}).
 *
 * <h2>Glossary</h2>
 *
 * <ul>
 *   <li><b>Request</b>: one whole blob asked of one peer by ref ({@code BlobRequest}); answered by
 *       parts in order, or by a reason it is missing.
 *   <li><b>Scope</b>: what a node serves a peer ({@link org.latticefs.mesh.blob.ServeScope}): only
 *       blobs reachable from a store the peer may see.
 *   <li><b>Race</b>: a peer slower than a few times its usual latency is asked again elsewhere; the
 *       first good answer wins.
 *   <li><b>Demotion</b>: a peer that sent bytes that do not hash to the ref asked for is asked last
 *       for a while, and logged.
 * </ul>
 */
package org.latticefs.mesh.blob;
