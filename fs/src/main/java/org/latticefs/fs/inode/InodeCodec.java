package org.latticefs.fs.inode;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KeyBytes;

/**
 * The byte encoding of an {@link Inode} (the value under {@code /inodes/{id}}): writes version 2,
 * reads versions 1 and 2, strictly and within {@link Inode}'s limits.
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
 * trailing bytes, broken invariants and anything over {@link Inode}'s limits raise {@link
 * CorruptInodeException}.
 */
final class InodeCodec {
  /** The encoding this build writes. */
  static final int VERSION = 2;

  private static final int V1 = 1;
  private static final int F_MANIFEST = 1;
  private static final int F_INLINE = 2;
  private static final int F_TARGET = 4;
  private static final int F_RDEV = 8;

  private InodeCodec() {}

  /** The version-2 encoding of {@code i}. */
  static byte[] encode(Inode i) {
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(96 + (i.inlineBytes() == null ? 0 : i.inlineBytes().length));
    out.write(VERSION);
    out.write(i.kind().code);
    int flags =
        (i.manifest() != null ? F_MANIFEST : 0)
            | (i.inlineBytes() != null ? F_INLINE : 0)
            | (i.target() != null ? F_TARGET : 0)
            | (i.rdev() != 0 ? F_RDEV : 0);
    out.write(flags);
    varint(out, i.mode());
    varint(out, i.uid() & 0xffffffffL);
    varint(out, i.gid() & 0xffffffffL);
    varint(out, i.nlink());
    varint(out, i.size());
    i64(out, i.atimeNanos());
    i64(out, i.mtimeNanos());
    i64(out, i.ctimeNanos());
    if (i.rdev() != 0) {
      varint(out, i.rdev());
    }
    if (i.manifest() != null) {
      out.writeBytes(i.manifest().bytes());
    }
    byte[] inline = i.inlineBytes();
    if (inline != null) {
      varint(out, inline.length);
      out.writeBytes(inline);
    }
    if (i.target() != null) {
      byte[] t = KeyBytes.encode(i.target());
      varint(out, t.length);
      out.writeBytes(t);
    }
    varint(out, i.xattrs().size());
    for (Map.Entry<String, byte[]> e : i.xattrs().entrySet()) {
      byte[] name = KeyBytes.encode(e.getKey());
      varint(out, name.length);
      out.writeBytes(name);
      varint(out, e.getValue().length);
      out.writeBytes(e.getValue());
    }
    return out.toByteArray();
  }

  /**
   * Decodes a value written by {@link #encode} (or by a build that wrote version 1).
   *
   * @throws CorruptInodeException if {@code data} is not a valid encoding (never another exception)
   */
  static Inode decode(byte[] data) throws CorruptInodeException {
    if (data.length > Inode.MAX_ENCODED) {
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
      Inode.Kind kind = Inode.Kind.of(u8(in));
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
        inline = bytes(in, Inode.MAX_INLINE, "inline content");
      }
      String target = null;
      if ((flags & F_TARGET) != 0) {
        target = string(in, Inode.MAX_TARGET, "symlink target", v1);
      }
      int count = (int) bounded(in, Inode.MAX_XATTR_TOTAL, "xattr count");
      TreeMap<String, byte[]> xattrs = new TreeMap<>(KeyBytes.ORDER);
      String previous = null;
      int total = 0;
      for (int i = 0; i < count; i++) {
        String name = string(in, Inode.MAX_XATTR_NAME, "xattr name", v1);
        int order =
            previous == null ? 1 : v1 ? name.compareTo(previous) : KeyBytes.compare(name, previous);
        if (name.isEmpty() || order <= 0) {
          throw new CorruptInodeException("xattr names must be non-empty and ascending");
        }
        byte[] value = bytes(in, Inode.MAX_XATTR_VALUE, "xattr value");
        total += KeyBytes.encodedLength(name) + value.length;
        if (total > Inode.MAX_XATTR_TOTAL) {
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
