/**
 * The garbage collector, cache eviction and the scrub. Imports kv and cas only; what it needs of
 * the filesystem comes through seams node wires ({@link org.latticefs.cas.ManifestRoots}, {@link
 * org.latticefs.gc.pin.InodeTrees}, {@link org.latticefs.gc.NamedFiles}).
 *
 * <h2>Live</h2>
 *
 * Reachable from a root (every head of every inode of a live store, every pin of this node,
 * versions kept by {@code gc.keep_deleted}) or a hold (cas). {@link org.latticefs.gc.Collector}
 * removes the rest; pending pins are partial roots (what is here of them is kept).
 *
 * <h2>Cache</h2>
 *
 * {@link org.latticefs.gc.CacheEvictor}: chunks of on-demand stores that nothing here keeps, least
 * recently used first, only when enough other nodes confirm they keep them ({@link
 * org.latticefs.gc.HolderCheck}).
 *
 * <h2>Scrub</h2>
 *
 * {@link org.latticefs.gc.Scrubber}: every blob re-hashed; bad ones quarantined and their files
 * named; repair through the fetch seam.
 *
 * <p>Pins, store modes and presence, and their root store keys: {@link org.latticefs.gc.pin}.
 */
package org.latticefs.gc;
