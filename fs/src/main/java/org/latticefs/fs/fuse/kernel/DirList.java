package org.latticefs.fs.fuse.kernel;

import java.util.Arrays;

/**
 * The entries of one readdir or readdirplus answer, written straight into the reply ({@code struct
 * fuse_dirent}, or {@code fuse_direntplus} in plus mode), up to the size the kernel asked for. A
 * window the binding owns and reuses per request (never keep it).
 *
 * <p>Each entry carries the offset of the <em>next</em> one: the kernel's next request starts
 * there. An {@code add} that returns false did not fit and was not sent; the listing stops there
 * and the kernel asks again from that entry's offset.
 *
 * <h2>Lookup counts (readdirplus)</h2>
 *
 * In plus mode, an entry added with {@link #addPlus} names its inode to the kernel and takes one
 * lookup reference, as a lookup does; the filesystem counts it only once {@code addPlus} returned
 * true. An entry added with {@link #add} (use it for {@code .} and {@code ..}) takes none. If the
 * answer never reaches the kernel, the binding gives the references back through {@link
 * InodeFileSystem#forget}.
 */
public final class DirList {
  private final Entry entry = new Entry();
  private Out out;
  private int limit;
  private boolean plus;
  private long[] counted = new long[64];
  private int countedSize;
  private Timeouts timeouts;

  DirList reset(Out out, int size, boolean plus, Timeouts timeouts) {
    this.out = out;
    this.limit = out.position() + Math.min(size, out.room());
    this.plus = plus;
    this.timeouts = timeouts;
    this.countedSize = 0;
    return this;
  }

  /** Whether this is a readdirplus answer (entries with attributes). */
  public boolean plus() {
    return plus;
  }

  /** A fresh entry window for {@link #addPlus}. */
  public Entry entry() {
    return entry.clear();
  }

  /**
   * Adds an entry without attributes: {@code name} (1..1024 bytes), its inode number, its type (the
   * {@code S_IF*} bits of its mode, shifted right by 12: {@code DT_REG} 8, {@code DT_DIR} 4) and
   * the offset of the next entry. Returns false if it does not fit.
   */
  public boolean add(byte[] name, long ino, int type, long nextOffset) {
    checkName(name);
    int size = (plus ? Abi.ENTRY_OUT : 0) + align8(Abi.DIRENT + name.length);
    if (out.position() + size > limit) {
      return false;
    }
    if (plus) {
      out.zeros(Abi.ENTRY_OUT);
    }
    dirent(name, ino, type, nextOffset);
    return true;
  }

  /**
   * Adds a readdirplus entry whose node, generation and attributes are {@code e} (from {@link
   * #entry()}); the entry's type is taken from its mode. Returns false if it does not fit (no
   * reference taken). Only in plus mode.
   */
  public boolean addPlus(byte[] name, Entry e, long nextOffset) {
    if (!plus) {
      throw new IllegalStateException("addPlus in a plain readdir");
    }
    checkName(name);
    int size = Abi.ENTRY_OUT + align8(Abi.DIRENT + name.length);
    if (out.position() + size > limit) {
      return false;
    }
    e.encode(out, timeouts);
    dirent(name, e.attr.ino, (e.attr.mode >>> 12) & 15, nextOffset);
    if (e.node != 0) {
      if (countedSize == counted.length) {
        counted = Arrays.copyOf(counted, countedSize * 2);
      }
      counted[countedSize++] = e.node;
    }
    return true;
  }

  private void dirent(byte[] name, long ino, int type, long nextOffset) {
    out.u64(ino).u64(nextOffset).u32(name.length).u32(type).bytes(name);
    out.zeros(align8(name.length) - name.length);
  }

  private static void checkName(byte[] name) {
    if (name.length == 0 || name.length > Abi.NAME_MAX) {
      throw new IllegalArgumentException(
          "a directory entry's name has 1.." + Abi.NAME_MAX + " bytes");
    }
  }

  /** Node ids that took a reference in this answer (for the binding to give back on failure). */
  long[] counted() {
    return Arrays.copyOf(counted, countedSize);
  }

  static int align8(int n) {
    return (n + 7) & ~7;
  }
}
