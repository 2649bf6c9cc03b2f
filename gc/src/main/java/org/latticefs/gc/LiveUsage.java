package org.latticefs.gc;

/**
 * The live bytes of a dry-run pass broken into classes, each live blob counted in exactly one, the
 * first that reaches it in this order: pinned, referenced, cache. The three add up to {@link
 * PassReport#liveBytes()} (all 0 when the pass could not sweep).
 *
 * @param pass the dry-run pass itself (garbage, blobs examined, problems)
 * @param pinnedBlobs live blobs a pin of this node reaches
 * @param pinnedBytes their bytes
 * @param referencedBlobs the other live blobs, except cache: full stores' content, kept versions,
 *     open files' held trees, manifest nodes of on-demand stores, and whatever else the collector's
 *     roots reach (conflict heads, open unlinked files)
 * @param referencedBytes their bytes
 * @param cacheBlobs chunks only the current content of on-demand stores reaches: what cache
 *     eviction may drop (once other nodes confirm they keep them)
 * @param cacheBytes their bytes
 */
public record LiveUsage(
    PassReport pass,
    long pinnedBlobs,
    long pinnedBytes,
    long referencedBlobs,
    long referencedBytes,
    long cacheBlobs,
    long cacheBytes) {}
