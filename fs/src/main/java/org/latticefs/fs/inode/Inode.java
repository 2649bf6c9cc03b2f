package org.latticefs.fs.inode;

import java.io.ByteArrayOutputStream;
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

/**
 * The value under {@code /inodes/{id}}: one file, directory or symlink.
 *
 * <p>A regular file's content is either {@code inline} (files of at most {@link #MAX_INLINE} bytes,
 * kept in the log itself) or the {@code manifest} ref of its chunk list; an empty file has neither.
 * Times are nanoseconds since the epoch. {@code mode} holds the permission bits only ({@code
 * 07777}); the type is {@link #kind}.
 *
 * <h2>Encoding (version 1)</h2>
 *
 * <pre>
 * u8 version=1, u8 kind (1 file, 2 dir, 3 symlink), u8 flags (1 manifest, 2 inline, 4 target)
 * varint mode, uid, gid, nlink; varlong size; i64 atime, mtime, ctime
 * [32 bytes manifest] [varint len, inline bytes] [varint len, UTF-8 target]
 * varint xattr count; per xattr, names strictly ascending: varint len, UTF-8 name, varint len, value
 * </pre>
 *
 * Decoding is strict: unknown versions, kinds or flags, trailing bytes, broken invariants and
 * anything over the limits below raise {@link CorruptInodeException}.
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
    BlobRef manifest,
    byte[] inline,
    String target,
    SortedMap<String, byte[]> xattrs) {

  /** Files up to this size keep their bytes in the inode instead of a manifest. */
  public static final int MAX_INLINE = 4096;

  /** Longest symlink target (Linux PATH_MAX). */
  public static final int MAX_TARGET = 4096;

  /** Longest xattr name (Linux XATTR_NAME_MAX). */
  public static final int MAX_XATTR_NAME = 255;

  /** Largest single xattr value (Linux XATTR_SIZE_MAX). */
  public static final int MAX_XATTR_VALUE = 65536;

  /** Most bytes all xattrs of one inode may take together (names and values). */
  public static final int MAX_XATTR_TOTAL = 128 * 1024;

  /** The decoder refuses anything longer. */
  public static final int MAX_ENCODED = 160 * 1024;

  private static final int VERSION = 1;
  private static final int F_MANIFEST = 1;
  private static final int F_INLINE = 2;
  private static final int F_TARGET = 4;

  /** What the inode is. */
  public enum Kind {
    FILE(1),
    DIRECTORY(2),
    SYMLINK(3);

    final int code;

    Kind(int code) {
      this.code = code;
    }
  }

  public Inode {
    Objects.requireNonNull(kind, "kind");
    xattrs = Collections.unmodifiableSortedMap(new TreeMap<>(xattrs == null ? Map.of() : xattrs));
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
    if (target != null && utf8(target).length > MAX_TARGET) {
      throw new IllegalArgumentException("symlink target too long");
    }
  }

  /** A new, empty inode of {@code kind} with all three times set to {@code nowNanos}. */
  public static Inode create(Kind kind, int mode, int uid, int gid, long nowNanos, String target) {
    long size = target == null ? 0 : utf8(target).length;
    return new Inode(
        kind,
        mode & 07777,
        uid,
        gid,
        1,
        size,
        nowNanos,
        nowNanos,
        nowNanos,
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
        manifest,
        inline,
        target,
        xattrs);
  }

  public Inode withTimes(long atime, long mtime, long ctime) {
    return new Inode(
        kind, mode, uid, gid, nlink, size, atime, mtime, ctime, manifest, inline, target, xattrs);
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
        manifest,
        inline,
        target,
        newXattrs);
  }

  /** The bytes all xattrs take (names plus values), as counted against {@link #MAX_XATTR_TOTAL}. */
  public static int xattrBytes(Map<String, byte[]> xattrs) {
    int total = 0;
    for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
      total += utf8(e.getKey()).length + e.getValue().length;
    }
    return total;
  }

  /** The version-1 encoding. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(96);
    out.write(VERSION);
    out.write(kind.code);
    int flags =
        (manifest != null ? F_MANIFEST : 0)
            | (inline != null ? F_INLINE : 0)
            | (target != null ? F_TARGET : 0);
    out.write(flags);
    varint(out, mode);
    varint(out, uid & 0xffffffffL);
    varint(out, gid & 0xffffffffL);
    varint(out, nlink);
    varint(out, size);
    i64(out, atimeNanos);
    i64(out, mtimeNanos);
    i64(out, ctimeNanos);
    if (manifest != null) {
      out.writeBytes(manifest.bytes());
    }
    if (inline != null) {
      varint(out, inline.length);
      out.writeBytes(inline);
    }
    if (target != null) {
      byte[] t = utf8(target);
      varint(out, t.length);
      out.writeBytes(t);
    }
    varint(out, xattrs.size());
    for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
      byte[] name = utf8(e.getKey());
      varint(out, name.length);
      out.writeBytes(name);
      varint(out, e.getValue().length);
      out.writeBytes(e.getValue());
    }
    return out.toByteArray();
  }

  /**
   * Decodes a value written by {@link #encode()}.
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
      if (version != VERSION) {
        throw new CorruptInodeException("unknown inode version " + version);
      }
      int kindCode = u8(in);
      Kind kind =
          switch (kindCode) {
            case 1 -> Kind.FILE;
            case 2 -> Kind.DIRECTORY;
            case 3 -> Kind.SYMLINK;
            default -> throw new CorruptInodeException("unknown inode kind " + kindCode);
          };
      int flags = u8(in);
      if ((flags & ~(F_MANIFEST | F_INLINE | F_TARGET)) != 0) {
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
        target = string(in, MAX_TARGET, "symlink target");
      }
      int count = (int) bounded(in, MAX_XATTR_TOTAL, "xattr count");
      TreeMap<String, byte[]> xattrs = new TreeMap<>();
      String previous = null;
      int total = 0;
      for (int i = 0; i < count; i++) {
        String name = string(in, MAX_XATTR_NAME, "xattr name");
        if (name.isEmpty() || (previous != null && name.compareTo(previous) <= 0)) {
          throw new CorruptInodeException("xattr names must be non-empty and ascending");
        }
        byte[] value = bytes(in, MAX_XATTR_VALUE, "xattr value");
        total += utf8(name).length + value.length;
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
            kind, mode, uid, gid, nlink, size, atime, mtime, ctime, manifest, inline, target,
            xattrs);
      } catch (IllegalArgumentException e) {
        throw new CorruptInodeException("inconsistent inode: " + e.getMessage());
      }
    } catch (java.nio.BufferUnderflowException e) {
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
        + (manifest != null ? " manifest=" + manifest : "")
        + (inline != null ? " inline" : "")
        + (target != null ? " target=" + target : "")
        + " xattrs="
        + xattrs.keySet()
        + "]";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
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

  private static long bounded(ByteBuffer in, long max, String what) throws CorruptInodeException {
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
        break;
      }
    }
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

  private static String string(ByteBuffer in, int max, String what) throws CorruptInodeException {
    byte[] b = bytes(in, max, what);
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
