package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;
import java.util.Locale;

/**
 * A {@code struct stat} in native memory, filled by the filesystem: a window onto memory libfuse
 * lends for one callback (never keep it past the callback's return).
 *
 * <p>libfuse zeroes the structure before {@code getattr}; fields not set stay 0. The layout is the
 * kernel's for the running architecture (x86_64 and aarch64 differ: {@code st_nlink} is 8 bytes at
 * 16 on x86_64 and 4 bytes at 20 on aarch64, and everything up to {@code st_size} moves), as in
 * glibc's {@code bits/struct_stat.h}; {@code LayoutTest} checks every offset against the C compiler
 * on the machine that runs it. Other architectures are refused when the class loads.
 */
public final class Stat {
  public static final int S_IFMT = 0170000;
  public static final int S_IFSOCK = 0140000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFIFO = 0010000;

  private static final MemoryIO IO = MemoryIO.getInstance();

  /** Field offsets of {@code struct stat} on one architecture; widths where they differ. */
  record Layout(
      int ino,
      int mode,
      int nlink,
      boolean nlinkIs64,
      int uid,
      int gid,
      int rdev,
      int size,
      int blksize,
      boolean blksizeIs64,
      int blocks,
      int atime,
      int mtime,
      int ctime,
      int sizeof) {

    static final Layout X86_64 =
        new Layout(8, 24, 16, true, 28, 32, 40, 48, 56, true, 64, 72, 88, 104, 144);

    /** glibc's generic layout, used by aarch64 (and riscv64, loongarch64). */
    static final Layout GENERIC_64 =
        new Layout(8, 16, 20, false, 24, 28, 32, 48, 56, false, 64, 72, 88, 104, 128);

    /** The layout for {@code os.arch}. */
    static Layout forArch(String arch) {
      return switch (arch.toLowerCase(Locale.ROOT)) {
        case "amd64", "x86_64" -> X86_64;
        case "aarch64", "arm64" -> GENERIC_64;
        default ->
            throw new UnsupportedOperationException(
                "the libfuse binding knows struct stat only on x86_64 and aarch64, not " + arch);
      };
    }
  }

  static final Layout LAYOUT = Layout.forArch(System.getProperty("os.arch"));

  private final long address;

  Stat(long address) {
    this.address = address;
  }

  /** The size of {@code struct stat} here, in bytes. */
  static int size() {
    return LAYOUT.sizeof();
  }

  /** Zeroes the whole structure. */
  public Stat clear() {
    IO.setMemory(address, LAYOUT.sizeof(), (byte) 0);
    return this;
  }

  /** File type and permission bits, e.g. {@code S_IFREG | 0644}. */
  public Stat setMode(int mode) {
    IO.putInt(address + LAYOUT.mode(), mode);
    return this;
  }

  /** Inode number (reaches the kernel only with the {@code use_ino} option). */
  public Stat setIno(long ino) {
    IO.putLong(address + LAYOUT.ino(), ino);
    return this;
  }

  public Stat setNlink(long nlink) {
    if (LAYOUT.nlinkIs64()) {
      IO.putLong(address + LAYOUT.nlink(), nlink);
    } else {
      IO.putInt(address + LAYOUT.nlink(), (int) Math.min(nlink, 0xFFFF_FFFFL));
    }
    return this;
  }

  public Stat setUid(int uid) {
    IO.putInt(address + LAYOUT.uid(), uid);
    return this;
  }

  public Stat setGid(int gid) {
    IO.putInt(address + LAYOUT.gid(), gid);
    return this;
  }

  /** Device number of a character or block special file ({@code makedev(major, minor)}). */
  public Stat setRdev(long rdev) {
    IO.putLong(address + LAYOUT.rdev(), rdev);
    return this;
  }

  public Stat setSize(long size) {
    IO.putLong(address + LAYOUT.size(), size);
    return this;
  }

  /** Preferred I/O size. */
  public Stat setBlksize(int blksize) {
    if (LAYOUT.blksizeIs64()) {
      IO.putLong(address + LAYOUT.blksize(), blksize);
    } else {
      IO.putInt(address + LAYOUT.blksize(), blksize);
    }
    return this;
  }

  /** Number of 512-byte blocks allocated (what {@code du} counts). */
  public Stat setBlocks(long blocks) {
    IO.putLong(address + LAYOUT.blocks(), blocks);
    return this;
  }

  public Stat setAtime(long seconds, long nanos) {
    return time(LAYOUT.atime(), seconds, nanos);
  }

  public Stat setMtime(long seconds, long nanos) {
    return time(LAYOUT.mtime(), seconds, nanos);
  }

  public Stat setCtime(long seconds, long nanos) {
    return time(LAYOUT.ctime(), seconds, nanos);
  }

  private Stat time(int offset, long seconds, long nanos) {
    IO.putLong(address + offset, seconds);
    IO.putLong(address + offset + 8, nanos);
    return this;
  }
}
