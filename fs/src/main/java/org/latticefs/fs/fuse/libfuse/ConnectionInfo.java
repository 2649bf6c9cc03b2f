package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;

/**
 * What the kernel offers and what the filesystem wants ({@code struct fuse_conn_info}), seen in
 * {@link RawFileSystem#init}; valid only during that call.
 *
 * <p>Layout: nine {@code unsigned} fields from offset 0 ({@code proto_major}, {@code proto_minor},
 * {@code async_read}, {@code max_write}, {@code max_readahead}, {@code capable}, {@code want},
 * {@code max_background}, {@code congestion_threshold}), then reserved words.
 */
public final class ConnectionInfo {
  /** {@code FUSE_CAP_ASYNC_READ}: reads may be issued in parallel. */
  public static final int CAP_ASYNC_READ = 1;

  /** {@code FUSE_CAP_ATOMIC_O_TRUNC}: {@code open} handles {@code O_TRUNC} itself. */
  public static final int CAP_ATOMIC_O_TRUNC = 1 << 3;

  /** {@code FUSE_CAP_BIG_WRITES}: writes larger than a page (the {@code big_writes} option). */
  public static final int CAP_BIG_WRITES = 1 << 5;

  /** {@code FUSE_CAP_DONT_MASK}: the kernel leaves the umask to the filesystem. */
  public static final int CAP_DONT_MASK = 1 << 6;

  private static final MemoryIO IO = MemoryIO.getInstance();
  static final int PROTO_MAJOR = 0;
  static final int PROTO_MINOR = 4;
  static final int MAX_WRITE = 12;
  static final int MAX_READAHEAD = 16;
  static final int CAPABLE = 20;
  static final int WANT = 24;

  private final long address;

  ConnectionInfo(long address) {
    this.address = address;
  }

  public int protoMajor() {
    return IO.getInt(address + PROTO_MAJOR);
  }

  public int protoMinor() {
    return IO.getInt(address + PROTO_MINOR);
  }

  /** The largest write request, in bytes (128 KiB with {@code big_writes}, else one page). */
  public int maxWrite() {
    return IO.getInt(address + MAX_WRITE);
  }

  public int maxReadahead() {
    return IO.getInt(address + MAX_READAHEAD);
  }

  /** Capability bits ({@code CAP_…}) the kernel supports. */
  public int capable() {
    return IO.getInt(address + CAPABLE);
  }

  /** Capability bits the filesystem asks for (libfuse and the options pre-set some). */
  public int want() {
    return IO.getInt(address + WANT);
  }

  /** Asks for exactly these capability bits (bits the kernel does not offer have no effect). */
  public ConnectionInfo setWant(int bits) {
    IO.putInt(address + WANT, bits);
    return this;
  }
}
