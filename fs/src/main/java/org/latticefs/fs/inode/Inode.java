package org.latticefs.fs.inode;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
 * <h2>Encoding (version 2, written by this build)</h2>
 *
 * <pre>
 * u8 version=2, u8 kind, u8 flags (1 manifest, 2 inline, 4 target, 8 rdev)
 * varint mode, uid, gid, nlink; varlong size; i64 atime, mtime, ctime
 * [varlong rdev] [32 bytes manifest] [varint len, inline bytes] [varint len, target bytes]
 * varint xattr count; per xattr, names strictly ascending by bytes: varint len, name bytes,
 *     varint len, value
 * </pre>
 *
 * Kinds: 1 file, 2 directory, 3 symlink, 4 FIFO, 5 character device, 6 block device, 7 socket.
 *
 * <h2>Version 1 (read, never written)</h2>
 *
 * What builds before special files wrote: kinds 1–3 only, no rdev flag, target and xattr names as
 * strict UTF-8, names ascending by {@link String#compareTo}. Such an inode decodes to exactly the
 * inode it was; the next change of it writes version 2.
 *
 * <p>Decoding is strict: unknown versions, kinds or flags (said to come from a newer build),
 * trailing bytes, broken invariants and anything over the limits below raise {@link
 * CorruptInodeException}.
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

  /** Files up to this size keep their bytes in the inode instead of a manifest. */
  public static final int MAX_INLINE = 4096;

  /** Longest symlink target in bytes (Linux PATH_MAX). */
  public static final int MAX_TARGET = 4096;

  /** Longest xattr name in bytes (Linux XATTR_NAME_MAX). */
  public static final int MAX_XATTR_NAME = 255;

  /** Largest single xattr value (Linux XATTR_SIZE_MAX). */
  public static final int MAX_XATTR_VALUE = 65536;

  /** Most bytes all xattrs of one inode may take together (names and values). */
  public static final int MAX_XATTR_TOTAL = 128 * 1024;

  /** The decoder refuses anything longer. */
  public static final int MAX_ENCODED = 160 * 1024;

  /** The encoding this build writes. */
  static final int VERSION = 2;

  private static final int V1 = 1;
  private static final int F_MANIFEST = 1;
  private static final int F_INLINE = 2;
  private static final int F_TARGET = 4;
  private static final int F_RDEV = 8;

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

  /** The version-2 encoding. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(96);
    out.write(VERSION);
    out.write(kind.code);
    int flags =
        (manifest != null ? F_MANIFEST : 0)
            | (inline != null ? F_INLINE : 0)
            | (target != null ? F_TARGET : 0)
            | (rdev != 0 ? F_RDEV : 0);
    out.write(flags);
    varint(out, mode);
    varint(out, uid & 0xffffffffL);
    varint(out, gid & 0xffffffffL);
    varint(out, nlink);
    varint(out, size);
    i64(out, atimeNanos);
    i64(out, mtimeNanos);
    i64(out, ctimeNanos);
    if (rdev != 0) {
      varint(out, rdev);
    }
    if (manifest != null) {
      out.writeBytes(manifest.bytes());
    }
    if (inline != null) {
      varint(out, inline.length);
      out.writeBytes(inline);
    }
    if (target != null) {
      byte[] t = KeyBytes.encode(target);
      varint(out, t.length);
      out.writeBytes(t);
    }
    varint(out, xattrs.size());
    for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
      byte[] name = KeyBytes.encode(e.getKey());
      varint(out, name.length);
      out.writeBytes(name);
      varint(out, e.getValue().length);
      out.writeBytes(e.getValue());
    }
    return out.toByteArray();
  }

  /**
   * Decodes a value written by {@link #encode()} (or by a build that wrote version 1).
   *
   * @throws CorruptInodeException if {@code data} is not a valid encoding (never another exception)
   */
  public static Inode decode(byte[] data) throws CorruptInodeException {
    if (data.length > MAX_ENCODED) {
      throw new CorruptInodeException("inode value too large: " + data.length + " bytes");
    }
    ByteBuffer in = ByteBuffer.wrap(data);
    try {
      int version = u8(in);
      if (version != V1 && version != VERSION) {
        throw new CorruptInodeException(
            "inode encoding version "
                + version
                + " is unknown to this build (it reads 1 and 2): written by a newer build?");
      }
      boolean v1 = version == V1;
      Kind kind = Kind.of(u8(in));
      if (v1 && kind.isSpecial()) {
        throw new CorruptInodeException("inode kind " + kind + " in a version-1 encoding");
      }
      int flags = u8(in);
      int known = F_MANIFEST | F_INLINE | F_TARGET | (v1 ? 0 : F_RDEV);
      if ((flags & ~known) != 0) {
        throw new CorruptInodeException("unknown inode flags " + flags);
      }
      int mode = (int) bounded(in, 07777, "mode");
      int uid = (int) bounded(in, 0xffffffffL, "uid");
      int gid = (int) bounded(in, 0xffffffffL, "gid");
      int nlink = (int) bounded(in, Integer.MAX_VALUE, "nlink");
      long size = bounded(in, Long.MAX_VALUE, "size");
      long atime = in.getLong();
      long mtime = in.getLong();
      long ctime = in.getLong();
      long rdev = 0;
      if ((flags & F_RDEV) != 0) {
        rdev = varlong(in, "rdev");
        if (rdev == 0) {
          throw new CorruptInodeException("rdev flag with a zero device number");
        }
      }
      BlobRef manifest = null;
      if ((flags & F_MANIFEST) != 0) {
        byte[] ref = new byte[BlobRef.LENGTH];
        in.get(ref);
        manifest = new BlobRef(ref);
      }
      byte[] inline = null;
      if ((flags & F_INLINE) != 0) {
        inline = bytes(in, MAX_INLINE, "inline content");
      }
      String target = null;
      if ((flags & F_TARGET) != 0) {
        target = string(in, MAX_TARGET, "symlink target", v1);
      }
      int count = (int) bounded(in, MAX_XATTR_TOTAL, "xattr count");
      TreeMap<String, byte[]> xattrs = new TreeMap<>(KeyBytes.ORDER);
      String previous = null;
      int total = 0;
      for (int i = 0; i < count; i++) {
        String name = string(in, MAX_XATTR_NAME, "xattr name", v1);
        int order =
            previous == null ? 1 : v1 ? name.compareTo(previous) : KeyBytes.compare(name, previous);
        if (name.isEmpty() || order <= 0) {
          throw new CorruptInodeException("xattr names must be non-empty and ascending");
        }
        byte[] value = bytes(in, MAX_XATTR_VALUE, "xattr value");
        total += KeyBytes.encodedLength(name) + value.length;
        if (total > MAX_XATTR_TOTAL) {
          throw new CorruptInodeException("xattrs too large");
        }
        xattrs.put(name, value);
        previous = name;
      }
      if (in.hasRemaining()) {
        throw new CorruptInodeException(in.remaining() + " trailing bytes after inode");
      }
      try {
        return new Inode(
            kind, mode, uid, gid, nlink, size, atime, mtime, ctime, rdev, manifest, inline, target,
            xattrs);
      } catch (IllegalArgumentException e) {
        throw new CorruptInodeException("inconsistent inode: " + e.getMessage());
      }
    } catch (BufferUnderflowException e) {
      throw new CorruptInodeException("truncated inode value");
    }
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

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) (v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static void i64(ByteArrayOutputStream out, long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
  }

  private static int u8(ByteBuffer in) {
    return in.get() & 0xff;
  }

  /** An unsigned varint of up to 64 bits (all of them may be set). */
  private static long varlong(ByteBuffer in, String what) throws CorruptInodeException {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift > 63) {
        throw new CorruptInodeException("varint too long in " + what);
      }
      int b = u8(in);
      if (shift == 63 && (b & 0x7e) != 0) {
        throw new CorruptInodeException("varint overflow in " + what);
      }
      v |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
  }

  private static long bounded(ByteBuffer in, long max, String what) throws CorruptInodeException {
    long v = varlong(in, what);
    if (v < 0 || v > max) {
      throw new CorruptInodeException(what + " out of range: " + v);
    }
    return v;
  }

  private static byte[] bytes(ByteBuffer in, int max, String what) throws CorruptInodeException {
    int len = (int) bounded(in, max, what + " length");
    if (len > in.remaining()) {
      throw new CorruptInodeException("truncated " + what);
    }
    byte[] b = new byte[len];
    in.get(b);
    return b;
  }

  /** A byte string: strict UTF-8 in version 1, any bytes (as {@link KeyBytes}) in version 2. */
  private static String string(ByteBuffer in, int max, String what, boolean v1)
      throws CorruptInodeException {
    byte[] b = bytes(in, max, what);
    if (!v1) {
      return KeyBytes.decode(b);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw new CorruptInodeException(what + " is not UTF-8");
    }
  }
}
