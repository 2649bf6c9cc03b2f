/**
 * The garbage collector: gives back the space of blobs nothing references any more (old versions of
 * overwritten files, deleted files, their manifests and saved outboards); also cache eviction and
 * the scrub. Imports cas and kv only; what it needs of the filesystem comes through seams node
 * wires ({@link org.latticefs.cas.ManifestRoots}, {@link org.latticefs.gc.pin.InodeTrees}, {@link
 * org.latticefs.gc.NamedFiles}).
 *
 * <h2>Root</h2>
 *
 * A manifest that must be kept with its whole tree: every concurrent head of every inode of every
 * live store (conflict losers included), streamed by a {@link org.latticefs.cas.ManifestRoots};
 * every hash pin of this node (pending pins as partial roots: what is here of them is kept); the
 * versions {@code gc.keep_deleted} keeps.
 *
 * <h2>Hold</h2>
 *
 * A cas {@link org.latticefs.cas.Hold}: blobs a writer stored or deduplicated against and has not
 * referenced yet (an ingest until its kv commit, an open file's base version). A held ref is never
 * removed; a hold released during a pass stays in force until the pass ends.
 *
 * <h2>Pass</h2>
 *
 * One run of the {@link org.latticefs.gc.Collector}: mark (roots and held trees into the live set),
 * then sweep (enumerate the blobs present, remove each one the live set lacks, durably, one at a
 * time). Nothing is removed when a tree could not be read. A pass killed at any point has removed
 * garbage only.
 *
 * <h2>Live set</h2>
 *
 * A Bloom filter of the marked refs sized from the blob count (about 2 bytes per blob), seeded
 * afresh each pass: a false positive keeps a garbage blob for one pass, never loses a live one.
 *
 * <h2>Watermarks</h2>
 *
 * With a quota, usage above 90 % of it starts a pass, which removes all garbage (aiming for 80 %);
 * see {@link org.latticefs.gc.GcSettings}. A write that finds no room waits for one pass ({@link
 * org.latticefs.gc.GcService#reclaim}) before it fails with ENOSPC.
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
