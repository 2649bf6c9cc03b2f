package org.latticefs.fs.fuse.kernel;

/**
 * The answer to open, create and opendir: the handle the kernel passes back with every later
 * request on this open file, and the per-file cache choices. A mutable window the binding owns and
 * reuses per request (never keep it); all zero/false unless set.
 */
public final class Opened {
  long fh;
  boolean keepCache;
  boolean directIo;

  Opened clear() {
    fh = 0;
    keepCache = false;
    directIo = false;
    return this;
  }

  public Opened handle(long fh) {
    this.fh = fh;
    return this;
  }

  /**
   * Keep the kernel's cached pages of this file from earlier opens ({@code FOPEN_KEEP_CACHE});
   * without it each open starts from the filesystem's bytes.
   */
  public Opened keepCache(boolean keep) {
    this.keepCache = keep;
    return this;
  }

  /** Bypass the page cache for this open file ({@code FOPEN_DIRECT_IO}). */
  public Opened directIo(boolean direct) {
    this.directIo = direct;
    return this;
  }

  void encode(Out out) {
    int flags = (keepCache ? Abi.FOPEN_KEEP_CACHE : 0) | (directIo ? Abi.FOPEN_DIRECT_IO : 0);
    out.u64(fh).u32(flags).u32(0);
  }
}
