package org.latticefs.mesh.wire;

import io.netty.buffer.ByteBuf;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.sync.Equivocation;

/**
 * The bytes of each {@link Message}, inside one frame ({@link Frames}): a type byte, then the
 * fields, big-endian, with nothing after the last.
 *
 * <pre>
 * str      u16 length, UTF-8 (strict), at most {@value #MAX_STRING} bytes
 * strs     u16 count (at most {@value #MAX_LIST}), then each str
 * uuid     16 bytes (most, then least significant half)
 * tip      32 author key, u64 seq (>= 1), 32 hash, u64 packed HLC
 *
 * 0x01 Hello    u16 min version, u16 max version, str name, strs capabilities, strs addrs,
 *               u8 length + invite secret (0: none, at most {@value #MAX_INVITE})
 * 0x02 Welcome  u16 version, strs capabilities
 * 0x03 Error    u16 code, str message
 * 0x04 Ping     u64 nonce
 * 0x05 Pong     u64 nonce
 * 0x10 Tips     uuid store, u32 count, count x tip
 * 0x11 Entries  uuid store, u64 batch, u32 count, count x (u32 length, SignedEntry wire form)
 * 0x12 Ack      uuid store, u64 batch, u32 count, count x tip
 * 0x13 Proof    uuid store, u32 length, Equivocation bytes
 * 0x14 ChainRequest uuid store, 32 author key, u64 after seq
 * 0x15 ChainPart    uuid store, 32 author key, u8 end, u32 count, count x (u32 length, entry)
 * 0x20 BlobRequest  u64 id, 32 ref
 * 0x21 BlobPart     u64 id, u32 total (at most {@link #MAX_BLOB}), u32 offset, u32 length (at most
 *                   {@link #MAX_PART}; offset + length at most total), the bytes
 * 0x22 BlobMissing  u64 id, u8 reason (at most {@link Message.BlobMissing#MAX_REASON})
 * 0x23 BlobCancel   u64 id
 * 0x30 KeepQuery    u64 id, u16 count (at most {@link Message.KeepQuery#MAX_REFS}), count x 32 ref
 * 0x31 KeepAnswer   u64 id, u8 decided (0 or 1), u16 count (at most {@link
 *                   Message.KeepQuery#MAX_REFS}; 0 when not decided), count x 32 ref
 * </pre>
 *
 * Types 0x20–0x2f are blob exchange (capability {@code blobs/1}), 0x30–0x3f copies kept (capability
 * {@code keeps/1}). Decoding checks every length against what the frame holds and against its limit
 * before it allocates, so a malformed or hostile frame costs no more than its own size; entries and
 * proofs stay bytes here (kv parses them, with its own limits). Stateless and thread-safe.
 */
public final class MessageCodec {
  public static final int MAX_STRING = 2048;
  public static final int MAX_LIST = 64;
  public static final int MAX_INVITE = 64;
  static final int TIP_BYTES = NodeId.LENGTH + 8 + BlobRef.LENGTH + 8;

  static final int HELLO = 0x01;
  static final int WELCOME = 0x02;
  static final int ERROR = 0x03;
  static final int PING = 0x04;
  static final int PONG = 0x05;
  static final int TIPS = 0x10;
  static final int ENTRIES = 0x11;
  static final int ACK = 0x12;
  static final int PROOF = 0x13;
  static final int CHAIN_REQUEST = 0x14;
  static final int CHAIN_PART = 0x15;
  static final int BLOB_REQUEST = 0x20;
  static final int BLOB_PART = 0x21;
  static final int BLOB_MISSING = 0x22;
  static final int BLOB_CANCEL = 0x23;
  static final int KEEP_QUERY = 0x30;
  static final int KEEP_ANSWER = 0x31;

  /** The largest blob the exchange carries: a chunk or a manifest node at their limits. */
  public static final int MAX_BLOB =
      Math.max(
          org.latticefs.cas.chunk.Manifest.MAX_CHUNK_LENGTH,
          org.latticefs.cas.chunk.Manifest.MAX_ENCODED_SIZE);

  /** The largest part of a blob in one frame. */
  public static final int MAX_PART = 256 << 10;

  private MessageCodec() {}

  /** Writes {@code m} into {@code out}. */
  public static void encode(Message m, ByteBuf out) {
    if (m instanceof Message.Hello h) {
      out.writeByte(HELLO).writeShort(h.minVersion()).writeShort(h.maxVersion());
      str(out, h.name());
      strs(out, h.capabilities());
      strs(out, h.addrs());
      byte[] invite = h.invite();
      out.writeByte(invite.length).writeBytes(invite);
    } else if (m instanceof Message.Welcome w) {
      out.writeByte(WELCOME).writeShort(w.version());
      strs(out, w.capabilities());
    } else if (m instanceof Message.Error e) {
      out.writeByte(ERROR).writeShort(e.code());
      str(out, truncate(e.message()));
    } else if (m instanceof Message.Ping p) {
      out.writeByte(PING).writeLong(p.nonce());
    } else if (m instanceof Message.Pong p) {
      out.writeByte(PONG).writeLong(p.nonce());
    } else if (m instanceof Message.Tips t) {
      out.writeByte(TIPS);
      uuid(out, t.store());
      tips(out, t.tips());
    } else if (m instanceof Message.Entries e) {
      out.writeByte(ENTRIES);
      uuid(out, e.store());
      out.writeLong(e.batch());
      entries(out, e.entries());
    } else if (m instanceof Message.Ack a) {
      out.writeByte(ACK);
      uuid(out, a.store());
      out.writeLong(a.batch());
      tips(out, a.tips());
    } else if (m instanceof Message.Proof p) {
      out.writeByte(PROOF);
      uuid(out, p.store());
      byte[] proof = p.proof();
      out.writeInt(proof.length).writeBytes(proof);
    } else if (m instanceof Message.ChainRequest c) {
      out.writeByte(CHAIN_REQUEST);
      uuid(out, c.store());
      nodeId(out, c.author());
      out.writeLong(c.afterSeq());
    } else if (m instanceof Message.ChainPart c) {
      out.writeByte(CHAIN_PART);
      uuid(out, c.store());
      nodeId(out, c.author());
      out.writeBoolean(c.end());
      entries(out, c.entries());
    } else if (m instanceof Message.BlobRequest r) {
      out.writeByte(BLOB_REQUEST).writeLong(r.id()).writeBytes(r.ref().bytes());
    } else if (m instanceof Message.BlobPart p) {
      byte[] data = p.raw();
      out.writeByte(BLOB_PART).writeLong(p.id()).writeInt(p.total()).writeInt(p.offset());
      out.writeInt(data.length).writeBytes(data);
    } else if (m instanceof Message.BlobMissing b) {
      out.writeByte(BLOB_MISSING).writeLong(b.id()).writeByte(b.reason());
    } else if (m instanceof Message.BlobCancel c) {
      out.writeByte(BLOB_CANCEL).writeLong(c.id());
    } else if (m instanceof Message.KeepQuery q) {
      out.writeByte(KEEP_QUERY).writeLong(q.id());
      refs(out, q.refs());
    } else if (m instanceof Message.KeepAnswer a) {
      out.writeByte(KEEP_ANSWER).writeLong(a.id()).writeBoolean(a.decided());
      refs(out, a.kept());
    } else {
      throw new IllegalArgumentException("no encoding for " + m);
    }
  }

  /** An upper bound of the bytes {@link #encode} writes for {@code m}. */
  public static int sizeHint(Message m) {
    if (m instanceof Message.Entries e) {
      return (int) Math.min(Integer.MAX_VALUE / 2, 64 + e.bytes() + 4L * e.entries().size());
    } else if (m instanceof Message.ChainPart c) {
      long bytes = 0;
      for (byte[] wire : c.entries()) {
        bytes += 4 + wire.length;
      }
      return (int) Math.min(Integer.MAX_VALUE / 2, 64 + bytes);
    } else if (m instanceof Message.Tips t) {
      return 32 + t.tips().size() * TIP_BYTES;
    } else if (m instanceof Message.Ack a) {
      return 40 + a.tips().size() * TIP_BYTES;
    } else if (m instanceof Message.Proof p) {
      return 32 + p.proof().length;
    } else if (m instanceof Message.BlobPart p) {
      return 32 + p.raw().length;
    } else if (m instanceof Message.KeepQuery q) {
      return 16 + q.refs().size() * BlobRef.LENGTH;
    } else if (m instanceof Message.KeepAnswer a) {
      return 16 + a.kept().size() * BlobRef.LENGTH;
    }
    return 256;
  }

  /**
   * Reads one message: the whole of {@code frame}, which is left consumed.
   *
   * @throws ProtocolException if the frame is not exactly one well-formed message
   */
  public static Message decode(ByteBuf frame) throws ProtocolException {
    Reader r = new Reader(frame);
    int type = r.u8();
    Message m =
        switch (type) {
          case HELLO -> {
            int min = r.u16();
            int max = r.u16();
            String name = r.str();
            List<String> caps = r.strs();
            List<String> addrs = r.strs();
            int n = r.u8();
            if (n > MAX_INVITE) {
              throw new ProtocolException("invite secret of " + n + " bytes");
            }
            yield new Message.Hello(min, max, name, caps, addrs, r.bytes(n));
          }
          case WELCOME -> new Message.Welcome(r.u16(), r.strs());
          case ERROR -> new Message.Error(r.u16(), r.str());
          case PING -> new Message.Ping(r.u64());
          case PONG -> new Message.Pong(r.u64());
          case TIPS -> new Message.Tips(r.uuid(), r.tips());
          case ENTRIES -> new Message.Entries(r.uuid(), r.u64(), r.entries());
          case ACK -> new Message.Ack(r.uuid(), r.u64(), r.tips());
          case PROOF -> {
            UUID store = r.uuid();
            long len = r.u32();
            if (len > Equivocation.MAX_BYTES) {
              throw new ProtocolException("a proof of " + len + " bytes is over the limit");
            }
            yield new Message.Proof(store, r.bytes((int) len));
          }
          case CHAIN_REQUEST -> {
            UUID store = r.uuid();
            NodeId author = r.nodeId();
            long after = r.u64();
            if (after < 0) {
              throw new ProtocolException("a chain request after seq " + after);
            }
            yield new Message.ChainRequest(store, author, after);
          }
          case CHAIN_PART -> {
            UUID store = r.uuid();
            NodeId author = r.nodeId();
            int end = r.u8();
            if (end > 1) {
              throw new ProtocolException("a chain part's end flag is " + end);
            }
            yield new Message.ChainPart(store, author, r.entries(), end == 1);
          }
          case BLOB_REQUEST ->
              new Message.BlobRequest(r.u64(), BlobRef.of(r.bytes(BlobRef.LENGTH), 0));
          case BLOB_PART -> {
            long id = r.u64();
            long total = r.u32();
            long offset = r.u32();
            long length = r.u32();
            if (total > MAX_BLOB || length > MAX_PART || offset + length > total) {
              throw new ProtocolException(
                  "a blob part of " + length + " bytes at " + offset + " of " + total);
            }
            yield new Message.BlobPart(id, (int) total, (int) offset, r.bytes((int) length));
          }
          case BLOB_MISSING -> {
            long id = r.u64();
            int reason = r.u8();
            if (reason > Message.BlobMissing.MAX_REASON) {
              throw new ProtocolException("a blob missing for reason " + reason);
            }
            yield new Message.BlobMissing(id, reason);
          }
          case BLOB_CANCEL -> new Message.BlobCancel(r.u64());
          case KEEP_QUERY -> new Message.KeepQuery(r.u64(), r.refs());
          case KEEP_ANSWER -> {
            long id = r.u64();
            int decided = r.u8();
            if (decided > 1) {
              throw new ProtocolException("a keep answer's decided flag is " + decided);
            }
            List<BlobRef> kept = r.refs();
            if (decided == 0 && !kept.isEmpty()) {
              throw new ProtocolException("an undecided keep answer lists refs");
            }
            yield new Message.KeepAnswer(id, decided == 1, kept);
          }
          default ->
              throw new ProtocolException("unknown message type 0x" + Integer.toHexString(type));
        };
    if (r.remaining() != 0) {
      throw new ProtocolException(r.remaining() + " bytes after a " + m.getClass().getSimpleName());
    }
    return m;
  }

  /** As {@link #decode(ByteBuf)} over a byte array (tests and tools). */
  static Message decodeOrThrow(byte[] body) {
    ByteBuf b = io.netty.buffer.Unpooled.wrappedBuffer(body);
    try {
      return decode(b);
    } catch (ProtocolException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    } finally {
      b.release();
    }
  }

  private static String truncate(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= MAX_STRING) {
      return s;
    }
    int n = MAX_STRING - 3;
    while (n > 0 && (b[n] & 0xc0) == 0x80) {
      n--;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8) + "...";
  }

  private static void str(ByteBuf out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_STRING) {
      throw new IllegalArgumentException("a string of " + b.length + " bytes is over the limit");
    }
    out.writeShort(b.length).writeBytes(b);
  }

  private static void strs(ByteBuf out, List<String> l) {
    if (l.size() > MAX_LIST) {
      throw new IllegalArgumentException("a list of " + l.size() + " is over the limit");
    }
    out.writeShort(l.size());
    for (String s : l) {
      str(out, s);
    }
  }

  private static void uuid(ByteBuf out, UUID id) {
    out.writeLong(id.getMostSignificantBits()).writeLong(id.getLeastSignificantBits());
  }

  private static void nodeId(ByteBuf out, NodeId id) {
    byte[] key = new byte[NodeId.LENGTH];
    id.copyTo(key, 0);
    out.writeBytes(key);
  }

  private static void entries(ByteBuf out, List<byte[]> entries) {
    out.writeInt(entries.size());
    for (byte[] wire : entries) {
      out.writeInt(wire.length).writeBytes(wire);
    }
  }

  private static void tips(ByteBuf out, List<Message.Tip> tips) {
    out.writeInt(tips.size());
    for (Message.Tip t : tips) {
      nodeId(out, t.author());
      out.writeLong(t.seq()).writeBytes(t.hash().bytes()).writeLong(t.hlc().packed());
    }
  }

  /** Bounds-checked reads of one frame. */
  private static void refs(ByteBuf out, List<BlobRef> refs) {
    out.writeShort(refs.size());
    for (BlobRef ref : refs) {
      out.writeBytes(ref.bytes());
    }
  }

  private static final class Reader {
    private final ByteBuf b;

    Reader(ByteBuf b) {
      this.b = b;
    }

    int remaining() {
      return b.readableBytes();
    }

    private void need(long n) throws ProtocolException {
      if (n > b.readableBytes()) {
        throw new ProtocolException(
            "truncated message: " + n + " bytes needed, " + b.readableBytes() + " left");
      }
    }

    int u8() throws ProtocolException {
      need(1);
      return b.readUnsignedByte();
    }

    int u16() throws ProtocolException {
      need(2);
      return b.readUnsignedShort();
    }

    long u32() throws ProtocolException {
      need(4);
      return b.readUnsignedInt();
    }

    long u64() throws ProtocolException {
      need(8);
      return b.readLong();
    }

    List<BlobRef> refs() throws ProtocolException {
      int n = u16();
      if (n > Message.KeepQuery.MAX_REFS) {
        throw new ProtocolException("a list of " + n + " refs is over the limit");
      }
      need((long) n * BlobRef.LENGTH);
      List<BlobRef> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(BlobRef.of(bytes(BlobRef.LENGTH), 0));
      }
      return out;
    }

    byte[] bytes(int n) throws ProtocolException {
      need(n);
      byte[] out = new byte[n];
      b.readBytes(out);
      return out;
    }

    UUID uuid() throws ProtocolException {
      need(16);
      return new UUID(b.readLong(), b.readLong());
    }

    String str() throws ProtocolException {
      int n = u16();
      if (n > MAX_STRING) {
        throw new ProtocolException("a string of " + n + " bytes is over the limit");
      }
      byte[] raw = bytes(n);
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(raw))
            .toString();
      } catch (CharacterCodingException e) {
        throw new ProtocolException("a string is not UTF-8");
      }
    }

    List<String> strs() throws ProtocolException {
      int n = u16();
      if (n > MAX_LIST) {
        throw new ProtocolException("a list of " + n + " strings is over the limit");
      }
      List<String> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(str());
      }
      return out;
    }

    NodeId nodeId() throws ProtocolException {
      return new NodeId(bytes(NodeId.LENGTH));
    }

    /** A count, then each entry's length and bytes (kv's wire form, at most its limit). */
    List<byte[]> entries() throws ProtocolException {
      long count = u32();
      // Each entry takes at least its 4-byte length: no list larger than the frame.
      if (count * 4L > remaining()) {
        throw new ProtocolException(count + " entries cannot fit in " + remaining() + " bytes");
      }
      List<byte[]> entries = new ArrayList<>((int) count);
      for (long i = 0; i < count; i++) {
        long len = u32();
        if (len > SignedEntry.MAX_WIRE_BYTES) {
          throw new ProtocolException("an entry of " + len + " bytes is over the limit");
        }
        entries.add(bytes((int) len));
      }
      return entries;
    }

    List<Message.Tip> tips() throws ProtocolException {
      long n = u32();
      if (n * TIP_BYTES > b.readableBytes()) {
        throw new ProtocolException(n + " tips cannot fit in " + b.readableBytes() + " bytes");
      }
      List<Message.Tip> out = new ArrayList<>((int) n);
      for (long i = 0; i < n; i++) {
        NodeId author = nodeId();
        long seq = u64();
        if (seq < 1) {
          throw new ProtocolException("a tip with seq " + seq);
        }
        BlobRef hash = BlobRef.of(bytes(BlobRef.LENGTH), 0);
        long packed = u64();
        Hlc hlc;
        try {
          hlc = Hlc.unpack(packed);
        } catch (IllegalArgumentException e) {
          throw new ProtocolException("a tip with an invalid HLC");
        }
        out.add(new Message.Tip(author, seq, hash, hlc));
      }
      return out;
    }
  }
}
