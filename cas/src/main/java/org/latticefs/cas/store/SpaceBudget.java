package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.NoSpaceLeftException;

/**
 * The space a disk store uses: the bytes and count of its blobs, kept up to date as blobs are
 * published and removed, and the disk's free space. Thread-safe.
 */
final class SpaceBudget {
  private final Path where;
  private final FileStore disk;
  private final AtomicLong blobBytes = new AtomicLong();
  private final AtomicLong blobCount = new AtomicLong();

  SpaceBudget(Path where, FileStore disk) {
    this.where = where;
    this.disk = disk;
  }

  /** Sets the counts found by a scan at open. */
  void reset(long bytes, long count) {
    blobBytes.set(bytes);
    blobCount.set(count);
  }

  /** A blob of {@code size} bytes got its name. */
  void added(long size) {
    blobBytes.addAndGet(size);
    blobCount.incrementAndGet();
  }

  /** A blob of {@code size} bytes lost its name (removed or quarantined). */
  void removed(long size) {
    blobBytes.addAndGet(-size);
    blobCount.decrementAndGet();
  }

  long blobBytes() {
    return blobBytes.get();
  }

  long blobCount() {
    return blobCount.get();
  }

  /** Bytes still available to this process on the disk (one {@code statfs}). */
  long usableSpace() throws IOException {
    return disk.getUsableSpace();
  }

  /** Size of the disk. */
  long totalSpace() throws IOException {
    return disk.getTotalSpace();
  }

  /**
   * {@code e} as the exception a failed write of {@code size} bytes throws: the operating system's
   * "no space left" becomes a {@link NoSpaceLeftException} that says how much was free, other
   * {@link IOException}s pass unchanged, and runtime exceptions are thrown as they are.
   */
  IOException translate(Throwable e, long size) {
    if (e instanceof NoSpaceLeftException n) {
      return n;
    }
    if (NoSpaceLeftException.isNoSpace(e)) {
      long free = -1;
      try {
        free = usableSpace();
      } catch (IOException ignored) {
        // Report without the free figure.
      }
      return new NoSpaceLeftException(
          "no space left on device under "
              + where
              + ": could not store a blob of "
              + size
              + " bytes ("
              + free
              + " bytes free)",
          e);
    }
    if (e instanceof IOException io) {
      return io;
    }
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    return new IOException(e);
  }
}
