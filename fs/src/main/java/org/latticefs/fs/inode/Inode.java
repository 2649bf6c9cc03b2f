package org.latticefs.fs.inode;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KeyBytes;

/**
 * The value under {@code /inodes/{id}}: one file, directory, symlink or special file.
 *
 * <p>A regular file's content is either {@code inline} (files of at most {@link #MAX_INLINE} bytes,
 * kept in the log itself) or the {@code manifest} ref of its chunk list; an empty file has neither.
 * Times are nanoseconds since the epoch. {@code mode} holds the permission bits only ({@code
 * 07777}); the type is {@link #kind}. A special file ({@link Kind#FIFO}, {@link Kind#SOCKET},
 * {@link Kind#CHAR_DEVICE}, {@link Kind#BLOCK_DEVICE}) is only its name and metadata: the kernel
 * does the rest (a pipe, a socket, a driver), and a device's number is {@code rdev} ({@code
 * makedev(major, minor)} as Linux encodes it; 0 for every other kind).
 *
 * <p>A symlink's {@code target} and xattr names are byte strings held as {@link KeyBytes} holds
 * keys (canonical strings: valid UTF-8 reads as its text, any other byte as an escape), so a target
 * or a name that is not UTF-8 keeps its exact bytes. Xattr names are ordered by their bytes ({@link
 * KeyBytes#ORDER}).
 *
 * <p>A directory's {@code nlink} is 2 plus its subdirectories when written by this build (see
 * {@code org.latticefs.fs.core.DirLinks}); inodes written before held 1, which reads as "unknown".
 *
 * <p>Encoded as {@link InodeCodec} says (version 2 written; version 1 read); decoding is strict and
 * bounded by the limits below.
 */
public record Inode(
    Kind kind,
    int mode,
    int uid,
    int gid,
    int nlink,
    long size,
    long atimeNanos,
    long mtimeNanos,
    long ctimeNanos,
    long rdev,
    BlobRef manifest,
    byte[] inline,
    String target,
    SortedMap<String, byte[]> xattrs) {

  /**
   * Files up to this size keep their bytes in the inode instead of a manifest: their content is
   * durable with the log entry that commits them, so closing one costs no blob write and no sync of
   * the blob store (the cost that dominated copying trees of small files, BENCHMARKS.md "Small
   * files"), and below the chunker's smallest chunk (64 KiB) a file is one chunk anyway,
   * deduplicated only as a whole. Builds before 2026-12-05 read inline content up to 4 KiB only.
   */
  public static final int MAX_INLINE = 64 << 10;

  /** Longest symlink target in bytes (Linux PATH_MAX). */
  public static final int MAX_TARGET = 4096;

  /** Longest xattr name in bytes (Linux XATTR_NAME_MAX). */
  public static final int MAX_XATTR_NAME = 255;

  /** Largest single xattr value (Linux XATTR_SIZE_MAX). */
  public static final int MAX_XATTR_VALUE = 65536;

  /** Most bytes all xattrs of one inode may take together (names and values). */
  public static final int MAX_XATTR_TOTAL = 128 * 1024;

  /**
   * The decoder refuses anything longer: room for the largest inline content, symlink target and
   * xattrs (with their lengths and names) together.
   */
  public static final int MAX_ENCODED = 256 * 1024;

  /** What the inode is, with its code in the encoding. */
  public enum Kind {
    FILE(1),
    DIRECTORY(2),
    SYMLINK(3),
    FIFO(4),
    CHAR_DEVICE(5),
    BLOCK_DEVICE(6),
    SOCKET(7);

    final int code;

    Kind(int code) {
      this.code = code;
    }

    /** Whether this kind is a special file: a FIFO, socket or device node. */
    public boolean isSpecial() {
      return code >= FIFO.code;
    }

    /** Whether this kind carries a device number. */
    public boolean isDevice() {
      return this == CHAR_DEVICE || this == BLOCK_DEVICE;
    }

    static Kind of(int code) throws CorruptInodeException {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      throw new CorruptInodeException(
          "unknown inode kind " + code + " (written by a newer build of Lattice?)");
    }
  }

  public Inode {
    Objects.requireNonNull(kind, "kind");
    TreeMap<String, byte[]> x = new TreeMap<>(KeyBytes.ORDER);
    if (xattrs != null) {
      x.putAll(xattrs);
    }
    for (String name : x.keySet()) {
      String why = invalidXattrName(name);
      if (why != null) {
        throw new IllegalArgumentException(why);
      }
    }
    xattrs = Collections.unmodifiableSortedMap(x);
    inline = inline == null ? null : inline.clone();
    if ((mode & ~07777) != 0) {
      throw new IllegalArgumentException("mode holds permission bits only: " + mode);
    }
    if (size < 0 || nlink < 0) {
      throw new IllegalArgumentException("negative size or nlink");
    }
    if (kind == Kind.FILE) {
      if (manifest != null && inline != null) {
        throw new IllegalArgumentException("a file has a manifest or inline bytes, not both");
      }
      if (inline != null && (inline.length != size || inline.length > MAX_INLINE)) {
        throw new IllegalArgumentException("inline bytes must be the whole (small) file");
      }
      if (manifest == null && inline == null && size != 0) {
        throw new IllegalArgumentException("a non-empty file needs content");
      }
    } else if (manifest != null || inline != null) {
      throw new IllegalArgumentException(kind + " has no content");
    }
    if ((kind == Kind.SYMLINK) != (target != null)) {
      throw new IllegalArgumentException("symlinks, and only symlinks, have a target");
    }
    if (target != null) {
      String why = KeyBytes.invalidReason(target);
      if (why != null) {
        throw new IllegalArgumentException("symlink target is not a byte string: " + why);
      }
      if (target.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("symlink target holds a NUL byte");
      }
      if (KeyBytes.encodedLength(target) > MAX_TARGET) {
        throw new IllegalArgumentException("symlink target too long");
      }
    }
    if (kind.isSpecial() && size != 0) {
      throw new IllegalArgumentException(kind + " has size 0");
    }
    if (!kind.isDevice() && rdev != 0) {
      throw new IllegalArgumentException("only device nodes have a device number");
    }
  }

  /** A new, empty inode of {@code kind} with all three times set to {@code nowNanos}. */
  public static Inode create(Kind kind, int mode, int uid, int gid, long nowNanos, String target) {
    return create(kind, mode, uid, gid, nowNanos, target, 0);
  }

  /**
   * A new inode of {@code kind} ({@code rdev}: a device node's number, else 0), all three times
   * {@code nowNanos}; a directory starts with {@code nlink} 2 (itself and its {@code .}).
   */
  public static Inode create(
      Kind kind, int mode, int uid, int gid, long nowNanos, String target, long rdev) {
    long size = target == null ? 0 : KeyBytes.encodedLength(target);
    int nlink = kind == Kind.DIRECTORY ? 2 : 1;
    return new Inode(
        kind,
        mode & 07777,
        uid,
        gid,
        nlink,
        size,
        nowNanos,
        nowNanos,
        nowNanos,
        rdev,
        null,
        null,
        target,
        null);
  }

  @Override
  public byte[] inline() {
    return inline == null ? null : inline.clone();
  }

  /** The inline bytes themselves, not a copy, for the codec (which only reads them). */
  byte[] inlineBytes() {
    return inline;
  }

  /** Same inode, new permission bits and ctime. */
  public Inode withMode(int newMode, long ctime) {
    return new Inode(
        kind,
        newMode & 07777,
        uid,
        gid,
        nlink,
        size,
        atimeNanos,
        mtimeNanos,
        ctime,
        rdev,
        manifest,
        inline,
        target,
        xattrs);
  }

  public Inode withOwner(int newUid, int newGid, long ctime) {
    return new Inode(
        kind,
        mode,
        newUid,
        newGid,
        nlink,
        size,
        atimeNanos,
        mtimeNanos,
        ctime,
        rdev,
        manifest,
        inline,
        target,
        xattrs);
  }

  public Inode withTimes(long atime, long mtime, long ctime) {
    return new Inode(
        kind, mode, uid, gid, nlink, size, atime, mtime, ctime, rdev, manifest, inline, target,
        xattrs);
  }

  public Inode withNlink(int n, long ctime) {
    return new Inode(
        kind,
        mode,
        uid,
        gid,
        n,
        size,
        atimeNanos,
        mtimeNanos,
        ctime,
        rdev,
        manifest,
        inline,
        target,
        xattrs);
  }

  /** Same metadata, new content (exactly one of {@code manifest}/{@code inline}, or neither). */
  public Inode withContent(long newSize, BlobRef newManifest, byte[] newInline) {
    return new Inode(
        kind,
        mode,
        uid,
        gid,
        nlink,
        newSize,
        atimeNanos,
        mtimeNanos,
        ctimeNanos,
        rdev,
        newManifest,
        newInline,
        target,
        xattrs);
  }

  public Inode withXattrs(SortedMap<String, byte[]> newXattrs, long ctime) {
    return new Inode(
        kind,
        mode,
        uid,
        gid,
        nlink,
        size,
        atimeNanos,
        mtimeNanos,
        ctime,
        rdev,
        manifest,
        inline,
        target,
        newXattrs);
  }

  /** The bytes all xattrs take (names plus values), as counted against {@link #MAX_XATTR_TOTAL}. */
  public static int xattrBytes(Map<String, byte[]> xattrs) {
    int total = 0;
    for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
      total += KeyBytes.encodedLength(e.getKey()) + e.getValue().length;
    }
    return total;
  }

  /**
   * Why {@code name} cannot name an xattr (empty, over {@link #MAX_XATTR_NAME} bytes, a NUL, not a
   * canonical byte string), or null if it can.
   */
  public static String invalidXattrName(String name) {
    if (name.isEmpty() || name.indexOf('\0') >= 0) {
      return "an xattr name is not empty and holds no NUL";
    }
    String why = KeyBytes.invalidReason(name);
    if (why != null) {
      return "an xattr name is a byte string: " + why;
    }
    if (KeyBytes.encodedLength(name) > MAX_XATTR_NAME) {
      return "an xattr name is at most " + MAX_XATTR_NAME + " bytes";
    }
    return null;
  }

  /** The version-2 encoding ({@link InodeCodec}). */
  public byte[] encode() {
    return InodeCodec.encode(this);
  }

  /**
   * Decodes a value written by {@link #encode()} (or by a build that wrote version 1).
   *
   * @throws CorruptInodeException if {@code data} is not a valid encoding (never another exception)
   */
  public static Inode decode(byte[] data) throws CorruptInodeException {
    return InodeCodec.decode(data);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Inode i)) {
      return false;
    }
    if (i.xattrs.size() != xattrs.size()) {
      return false;
    }
    for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
      if (!Arrays.equals(e.getValue(), i.xattrs.get(e.getKey()))) {
        return false;
      }
    }
    return kind == i.kind
        && mode == i.mode
        && uid == i.uid
        && gid == i.gid
        && nlink == i.nlink
        && size == i.size
        && atimeNanos == i.atimeNanos
        && mtimeNanos == i.mtimeNanos
        && ctimeNanos == i.ctimeNanos
        && rdev == i.rdev
        && Objects.equals(manifest, i.manifest)
        && Arrays.equals(inline, i.inline)
        && Objects.equals(target, i.target);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, mode, size, mtimeNanos, manifest, target);
  }

  @Override
  public String toString() {
    return "Inode["
        + kind
        + " mode="
        + Integer.toOctalString(mode)
        + " size="
        + size
        + " nlink="
        + nlink
        + (rdev != 0 ? " rdev=" + Long.toHexString(rdev) : "")
        + (manifest != null ? " manifest=" + manifest : "")
        + (inline != null ? " inline" : "")
        + (target != null ? " target=" + KeyBytes.display(target) : "")
        + " xattrs="
        + xattrs.keySet().stream().map(KeyBytes::display).toList()
        + "]";
  }
}
