package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;

/**
 * A {@code struct statvfs} in native memory, filled by {@code statfs}: valid for one callback only.
 *
 * <p>Every field is an unsigned long (8 bytes) on the 64-bit Linux architectures this binding
 * supports, in the order of glibc's {@code bits/statvfs.h}; libfuse zeroes the structure first.
 */
public final class StatVfs {
  private static final MemoryIO IO = MemoryIO.getInstance();
  static final int BSIZE = 0;
  static final int FRSIZE = 8;
  static final int BLOCKS = 16;
  static final int BFREE = 24;
  static final int BAVAIL = 32;
  static final int FILES = 40;
  static final int FFREE = 48;
  static final int FAVAIL = 56;
  static final int NAMEMAX = 80;
  static final int SIZEOF = 112;

  private final long address;

  StatVfs(long address) {
    this.address = address;
  }

  /** Block size, and the fragment size {@code df} multiplies block counts by. */
  public StatVfs setBlockSize(long bytes) {
    IO.putLong(address + BSIZE, bytes);
    IO.putLong(address + FRSIZE, bytes);
    return this;
  }

  /** Total, free and available-to-users block counts, in units of the block size. */
  public StatVfs setBlocks(long total, long free, long available) {
    IO.putLong(address + BLOCKS, total);
    IO.putLong(address + BFREE, free);
    IO.putLong(address + BAVAIL, available);
    return this;
  }

  /** Total, free and available-to-users inode counts ({@code df -i}). */
  public StatVfs setFiles(long total, long free, long available) {
    IO.putLong(address + FILES, total);
    IO.putLong(address + FFREE, free);
    IO.putLong(address + FAVAIL, available);
    return this;
  }

  /** The longest name, in bytes. */
  public StatVfs setNameMax(long bytes) {
    IO.putLong(address + NAMEMAX, bytes);
    return this;
  }
}
