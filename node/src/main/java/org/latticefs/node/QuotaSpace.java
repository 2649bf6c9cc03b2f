package org.latticefs.node;

import java.io.IOException;
import org.latticefs.cas.SpaceReclaimer;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.SpaceProvider;

/**
 * Room for the filesystem from the node's config: at most {@code quota} bytes (0: no quota, the
 * disk's size) of what the blob store counts toward it ({@link DiskBlobStore#usedBytes()}: blobs,
 * saved outboards, writes in progress), and never below {@code minFree} bytes free on the disk. For
 * {@code statfs} and the filesystem's early {@code ENOSPC}; the store itself enforces both limits
 * on every write. What Lattice holds is what {@code df} shows as used.
 */
final class QuotaSpace implements SpaceProvider {
  private final DiskBlobStore blobs;
  private final long quota;
  private final long minFree;
  private volatile SpaceReclaimer reclaimer;

  QuotaSpace(DiskBlobStore blobs, long quota, long minFree) {
    this.blobs = blobs;
    this.quota = quota;
    this.minFree = minFree;
  }

  /** Asks the blob store's reclaimer (the garbage collector) to free room. */
  @Override
  public boolean reclaim(long bytes) {
    SpaceReclaimer r = reclaimer;
    return r != null && r.reclaim(bytes);
  }

  /** Whom {@link #reclaim} asks (the daemon's collector). */
  void setReclaimer(SpaceReclaimer r) {
    reclaimer = r;
  }

  @Override
  public Space space() throws IOException {
    long diskFree = blobs.usableSpace() - minFree;
    long held = blobs.usedBytes();
    if (quota <= 0) {
      return new Space(blobs.totalSpace(), held, diskFree);
    }
    return new Space(quota, held, Math.min(quota - held, diskFree));
  }
}
