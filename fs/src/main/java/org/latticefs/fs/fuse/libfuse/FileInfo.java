package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;

/**
 * A {@code struct fuse_file_info} (libfuse 2.9): the open flags in, the file handle and per-file
 * cache choices out. Valid for one callback only.
 *
 * <p>Layout (x86_64 and aarch64 alike): {@code int flags} at 0, {@code unsigned long fh_old} at 8,
 * {@code int writepage} at 16, a bit-field word at 20 ({@code direct_io} bit 0, {@code keep_cache}
 * bit 1, {@code flush} bit 2, {@code nonseekable} bit 3, {@code flock_release} bit 4: GCC allocates
 * bit-fields from the least significant bit on little-endian targets), {@code uint64_t fh} at 24,
 * {@code uint64_t lock_owner} at 32. jnr-fuse's {@code FuseFileInfo} treats the bit-field word as
 * padding, so {@code direct_io} and {@code keep_cache} are settable only here.
 */
public final class FileInfo {
  private static final MemoryIO IO = MemoryIO.getInstance();
  static final int FLAGS = 0;
  static final int WRITEPAGE = 16;
  static final int BITS = 20;
  static final int FH = 24;
  static final int LOCK_OWNER = 32;
  static final int SIZEOF = 40;
  static final int DIRECT_IO = 1;
  static final int KEEP_CACHE = 1 << 1;
  static final int FLUSH = 1 << 2;
  static final int NONSEEKABLE = 1 << 3;

  private final long address;

  FileInfo(long address) {
    this.address = address;
  }

  /** The {@code open(2)} flags ({@code O_ACCMODE}, {@code O_APPEND}, {@code O_TRUNC}…). */
  public int flags() {
    return IO.getInt(address + FLAGS);
  }

  /** The handle the filesystem set in open, create or opendir (0 if it set none). */
  public long fh() {
    return IO.getLong(address + FH);
  }

  /** Sets the handle every later call on this open file receives; only in open/create/opendir. */
  public FileInfo setFh(long fh) {
    IO.putLong(address + FH, fh);
    return this;
  }

  /** Whether a write comes from the page cache's writeback rather than a {@code write(2)}. */
  public boolean isWritepage() {
    return IO.getInt(address + WRITEPAGE) != 0;
  }

  /** Whether a release follows a flush of the same descriptor. */
  public boolean isFlush() {
    return (IO.getInt(address + BITS) & FLUSH) != 0;
  }

  /** The lock owner (in flush: identifies the descriptor table closing the file). */
  public long lockOwner() {
    return IO.getLong(address + LOCK_OWNER);
  }

  /** Bypass the page cache for this open file (reads and writes reach the filesystem as issued). */
  public FileInfo setDirectIo(boolean on) {
    return bit(DIRECT_IO, on);
  }

  /** Keep cached pages of this file from earlier opens (the content did not change). */
  public FileInfo setKeepCache(boolean on) {
    return bit(KEEP_CACHE, on);
  }

  /** The file is a stream: the kernel refuses seeks ({@code ESPIPE}). */
  public FileInfo setNonSeekable(boolean on) {
    return bit(NONSEEKABLE, on);
  }

  private FileInfo bit(int mask, boolean on) {
    int bits = IO.getInt(address + BITS);
    IO.putInt(address + BITS, on ? bits | mask : bits & ~mask);
    return this;
  }
}
