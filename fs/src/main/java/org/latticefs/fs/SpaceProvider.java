package org.latticefs.fs;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells the filesystem how much room the node has, for {@code statfs} and for refusing writes with
 * {@code ENOSPC}. Node implements it from the CAS quota ({@code storage_quota}), current usage and
 * the disk's free space. Called often (at most every few hundred milliseconds per writer): keep it
 * cheap. Safe for concurrent use.
 */
public interface SpaceProvider {
  /** Current capacity and what is left of it. */
  Space space() throws IOException;

  /**
   * Asked once before a write is refused for lack of room: tries to free {@code bytes} (a garbage
   * collection pass, which may take a while) and returns whether retrying is worthwhile. The
   * default frees nothing.
   */
  default boolean reclaim(long bytes) {
    return false;
  }

  /**
   * Capacity in bytes.
   *
   * @param totalBytes the quota (or the disk size when there is no quota)
   * @param usedBytes what Lattice holds of it (its blobs), what {@code df} shows as used; at most
   *     {@code totalBytes}
   * @param freeBytes what may still be written: {@code min(quota - usage, disk free - reserve)},
   *     never negative
   */
  record Space(long totalBytes, long usedBytes, long freeBytes) {
    public Space {
      usedBytes = Math.max(0, Math.min(usedBytes, totalBytes));
      freeBytes = Math.max(0, Math.min(freeBytes, totalBytes));
    }

    /** Used is what is not free (for providers that cannot tell what Lattice holds). */
    public Space(long totalBytes, long freeBytes) {
      this(totalBytes, totalBytes - Math.max(0, freeBytes), freeBytes);
    }
  }

  /** No quota: the disk holding {@code dir} is the limit. */
  static SpaceProvider ofDisk(Path dir) throws IOException {
    FileStore store = Files.getFileStore(dir);
    return () -> new Space(store.getTotalSpace(), store.getUsableSpace());
  }

  /**
   * A quota of {@code quotaBytes} over a usage counter, also bounded by the disk of {@code dir}.
   */
  static SpaceProvider ofQuota(long quotaBytes, java.util.function.LongSupplier usedBytes, Path dir)
      throws IOException {
    FileStore store = Files.getFileStore(dir);
    return () -> {
      long used = usedBytes.getAsLong();
      return new Space(quotaBytes, used, Math.min(quotaBytes - used, store.getUsableSpace()));
    };
  }
}
