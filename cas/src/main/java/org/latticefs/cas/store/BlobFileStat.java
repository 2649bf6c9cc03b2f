package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What one {@code stat} says about a blob file: which file it is (device and inode), its size, and
 * when its inode last changed ({@code ctime}: set by every write, truncation, rename or mode
 * change, and never settable by a program).
 *
 * @param ctimeNanos the change time in nanoseconds since the epoch
 */
record BlobFileStat(long dev, long ino, long size, long ctimeNanos) {
  /**
   * Stats {@code path}.
   *
   * @throws java.nio.file.NoSuchFileException if it does not exist
   */
  static BlobFileStat of(Path path) throws IOException {
    Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino,size,ctime");
    FileTime ctime = (FileTime) a.get("ctime");
    long seconds = ctime.to(TimeUnit.SECONDS);
    long nanos = ctime.toInstant().getNano();
    return new BlobFileStat(
        (Long) a.get("dev"),
        (Long) a.get("ino"),
        (Long) a.get("size"),
        seconds * 1_000_000_000L + nanos);
  }

  /** Whether {@code other} describes the same file (it may have changed since). */
  boolean sameFile(BlobFileStat other) {
    return other != null && dev == other.dev && ino == other.ino;
  }
}
