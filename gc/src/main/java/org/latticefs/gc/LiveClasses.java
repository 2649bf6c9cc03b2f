package org.latticefs.gc;

import java.io.IOException;
import java.util.List;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;

/**
 * Sorts the live blobs of a dry-run pass into pinned, referenced and cache, and adds up each class
 * (see {@link LiveUsage}): marks what the {@link UsageRoots} reach into three live sets of their
 * own, then is told each blob the sweep found live.
 *
 * <p>A blob is pinned if a pin reaches it; else cache if it is a chunk of an on-demand store's
 * current content that no referenced root (full stores, kept versions, held trees) reaches; else
 * referenced, which is also where anything live that no class root names goes. So every live blob
 * is in exactly one class and the classes add up to the live bytes, whatever the sets answer.
 *
 * <p>The sets are Bloom filters as the collector's ({@link LiveSet}, walked exactly by {@link
 * TreeMarker}): a false positive (about one blob in 2,000) moves one blob to an earlier class
 * (referenced to pinned, cache to pinned or referenced), never out of the live bytes. Trees are
 * walked as partial ones: a node not here, or corrupt, leaves the blobs below it to the default
 * class; the collector's own marking reports it. Memory: three more sets of about 2 bytes per blob
 * each. Not thread-safe: one pass, one thread.
 */
final class LiveClasses {
  private final UsageRoots roots;
  private final LiveSet pinned;
  private final LiveSet referenced;
  private final LiveSet cached;
  private final TreeMarker pinnedMarker;
  private final TreeMarker referencedMarker;
  private final TreeMarker cachedMarker;
  private long pinnedBlobs;
  private long pinnedBytes;
  private long referencedBlobs;
  private long referencedBytes;
  private long cacheBlobs;
  private long cacheBytes;

  /**
   * @param local the store the trees are walked through
   * @param expected refs each set is sized for (the store's blob count and some room)
   */
  LiveClasses(UsageRoots roots, BlobFetcher local, long expected, long seed) {
    this.roots = roots;
    this.pinned = LiveSet.sized(expected, seed);
    this.referenced = LiveSet.sized(expected, seed + 1);
    this.cached = LiveSet.sized(expected, seed + 2);
    this.pinnedMarker = new TreeMarker(local, pinned);
    this.referencedMarker = new TreeMarker(local, referenced);
    this.cachedMarker = TreeMarker.chunksOnly(local, cached);
  }

  /** Walks the class roots and {@code heldTrees} (open files' base versions: referenced). */
  void mark(List<BlobRef> heldTrees) throws IOException {
    roots.pinned().forEach(pinnedMarker::markPartial);
    roots.referenced().forEach(referencedMarker::markPartial);
    for (BlobRef m : heldTrees) {
      referencedMarker.markPartial(m);
    }
    roots.cached().forEach(cachedMarker::markPartial);
  }

  /** Counts {@code blob}, which the sweep found live, in its class. */
  void count(BlobInfo blob) {
    BlobRef ref = blob.ref();
    if (pinned.mightContain(ref)) {
      pinnedBlobs++;
      pinnedBytes += blob.size();
    } else if (cached.mightContain(ref) && !referenced.mightContain(ref)) {
      cacheBlobs++;
      cacheBytes += blob.size();
    } else {
      referencedBlobs++;
      referencedBytes += blob.size();
    }
  }

  /** The tallies, with the pass they were counted in. */
  LiveUsage usage(PassReport pass) {
    return new LiveUsage(
        pass, pinnedBlobs, pinnedBytes, referencedBlobs, referencedBytes, cacheBlobs, cacheBytes);
  }

  /** Heap the three sets take. */
  long bytes() {
    return pinned.bytes() + referenced.bytes() + cached.bytes();
  }
}
