package org.latticefs.kv.log;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.latticefs.kv.NodeId;

/**
 * The byte layout of a {@link SigChainLog} file: its header and its frames (the format is
 * documented on {@link SigChainLog}). Encodes, checks and decodes; does no I/O.
 */
final class LogFrames {
  private LogFrames() {}

  static final byte[] FILE_MAGIC = {'L', 'T', 'S', 'C', 'H', 'A', 'I', 'N'};
  static final int HEADER_BYTES = 8 + 16 + NodeId.LENGTH;
  static final int FRAME_MAGIC = 0x4c544652; // "LTFR"

  /** Magic, body length, first seq of the append (16 bytes), then after the body a CRC32C. */
  static final int FRAME_HEAD = 16;

  static final int FRAME_OVERHEAD = FRAME_HEAD + 4;

  /** The file header of the log of {@code author} in store {@code storeId}. */
  static byte[] header(UUID storeId, NodeId author) {
    byte[] b = new byte[HEADER_BYTES];
    System.arraycopy(FILE_MAGIC, 0, b, 0, 8);
    putLong(b, 8, storeId.getMostSignificantBits());
    putLong(b, 16, storeId.getLeastSignificantBits());
    author.copyTo(b, 24);
    return b;
  }

  /** Why {@code header} is not the header of this store's and author's log, or null if it is. */
  static String headerProblem(byte[] header, UUID storeId, NodeId author) {
    if (!Arrays.equals(header, 0, 8, FILE_MAGIC, 0, 8)) {
      return "it is not a Lattice chain log (bad magic)";
    }
    UUID sid = new UUID(getLong(header, 8), getLong(header, 16));
    if (!sid.equals(storeId)) {
      return "it belongs to store " + sid + ", not " + storeId;
    }
    if (!author.matches(header, 24)) {
      return "it belongs to author " + NodeId.of(header, 24) + ", not " + author;
    }
    return null;
  }

  /** Whether a frame head (at least {@link #FRAME_HEAD} bytes at {@code at}) is plausible. */
  static boolean plausibleHead(byte[] b, int at) {
    int len = getInt(b, at + 4);
    return getInt(b, at) == FRAME_MAGIC && len > 0 && len <= SignedEntry.MAX_WIRE_BYTES;
  }

  /** The body length a plausible frame head declares. */
  static int bodyLength(byte[] b, int at) {
    return getInt(b, at + 4);
  }

  /** The first seq of the append that wrote the frame whose head is at {@code at}. */
  static long appendSeq(byte[] b, int at) {
    return getLong(b, at + 8);
  }

  /** Whether the whole frame at {@code at} with a body of {@code len} bytes has a right CRC. */
  static boolean checksumMatches(byte[] b, int at, int len) {
    CRC32C crc = new CRC32C();
    crc.update(b, at, FRAME_HEAD + len);
    return (int) crc.getValue() == getInt(b, at + FRAME_HEAD + len);
  }

  /** The length of the frame that holds {@code s}. */
  static int frameLength(SignedEntry s) {
    return FRAME_OVERHEAD + s.wireLength();
  }

  /**
   * Writes the frame of {@code s} into {@code buf} at {@code at}; {@code firstSeq} is the first seq
   * of the append it belongs to. Returns the frame's length.
   */
  static int writeFrame(byte[] buf, int at, SignedEntry s, long firstSeq, CRC32C crc) {
    int wire = s.wireLength();
    putInt(buf, at, FRAME_MAGIC);
    putInt(buf, at + 4, wire);
    putLong(buf, at + 8, firstSeq);
    s.writeWire(buf, at + FRAME_HEAD);
    crc.reset();
    crc.update(buf, at, FRAME_HEAD + wire);
    putInt(buf, at + FRAME_HEAD + wire, (int) crc.getValue());
    return FRAME_OVERHEAD + wire;
  }

  /** The total frame bytes of {@code entries}. */
  static long framesLength(List<SignedEntry> entries) {
    long total = 0;
    for (SignedEntry s : entries) {
      total += frameLength(s);
    }
    return total;
  }

  static int getInt(byte[] b, int off) {
    return (b[off] & 0xff) << 24
        | (b[off + 1] & 0xff) << 16
        | (b[off + 2] & 0xff) << 8
        | (b[off + 3] & 0xff);
  }

  static long getLong(byte[] b, int off) {
    return (getInt(b, off) & 0xffffffffL) << 32 | (getInt(b, off + 4) & 0xffffffffL);
  }

  static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  static void putLong(byte[] b, int off, long v) {
    putInt(b, off, (int) (v >>> 32));
    putInt(b, off + 4, (int) v);
  }
}
