package org.latticefs.kv.state;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Head;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.NodeId;

/**
 * The canonical byte forms of the state: what backends store and what the digest covers.
 *
 * <pre>
 * heads := version:u8(1) count:u16 head*          (sorted winner first)
 * head  := entry:32 author:32 hlc:u64 kind:u8 (kind=1: len:u32 value:len)   kind 0 = tombstone
 * tip   := seq:u64 hash:32 hlc:u64
 * </pre>
 */
final class StateCodec {
  private static final int VERSION = 1;
  private static final int HEAD_FIXED = 32 + 32 + 8 + 1;
  static final int TIP_LENGTH = 8 + 32 + 8;

  private StateCodec() {}

  static byte[] encodeHeads(List<Head> heads) {
    int size = 3;
    for (Head h : heads) {
      size += HEAD_FIXED + (h.isDeletion() ? 0 : 4 + h.value().length);
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put((byte) VERSION).putShort((short) heads.size());
    for (Head h : heads) {
      b.put(h.entry().bytes()).put(h.author().publicKey()).putLong(h.hlc().packed());
      if (h.isDeletion()) {
        b.put((byte) 0);
      } else {
        byte[] v = h.value();
        b.put((byte) 1).putInt(v.length).put(v);
      }
    }
    return b.array();
  }

  static List<Head> decodeHeads(String key, byte[] data, int length) throws CorruptStateException {
    try {
      ByteBuffer b = ByteBuffer.wrap(data, 0, length);
      if (b.get() != VERSION) {
        throw new CorruptStateException("unknown heads format for key " + key);
      }
      int count = Short.toUnsignedInt(b.getShort());
      if (count == 0) {
        throw new CorruptStateException("empty heads record for key " + key);
      }
      List<Head> heads = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        byte[] entry = new byte[BlobRef.LENGTH];
        byte[] author = new byte[NodeId.LENGTH];
        b.get(entry).get(author);
        Hlc hlc = Hlc.unpack(b.getLong());
        int kind = b.get();
        byte[] value = null;
        if (kind == 1) {
          int len = b.getInt();
          if (len < 0 || len > b.remaining()) {
            throw new CorruptStateException("bad value length in heads of key " + key);
          }
          value = new byte[len];
          b.get(value);
        } else if (kind != 0) {
          throw new CorruptStateException("bad head kind in heads of key " + key);
        }
        heads.add(new Head(key, value, hlc, new NodeId(author), new BlobRef(entry)));
      }
      if (b.hasRemaining()) {
        throw new CorruptStateException("trailing bytes in heads of key " + key);
      }
      return List.copyOf(heads);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new CorruptStateException("truncated heads record for key " + key, e);
    }
  }

  static byte[] encodeTip(AppliedTip tip) {
    return ByteBuffer.allocate(TIP_LENGTH)
        .putLong(tip.seq())
        .put(tip.hash().bytes())
        .putLong(tip.hlc().packed())
        .array();
  }

  static AppliedTip decodeTip(byte[] data, int length) throws CorruptStateException {
    if (length != TIP_LENGTH) {
      throw new CorruptStateException("bad tip record length " + length);
    }
    ByteBuffer b = ByteBuffer.wrap(data, 0, length);
    long seq = b.getLong();
    byte[] hash = new byte[BlobRef.LENGTH];
    b.get(hash);
    long hlc = b.getLong();
    if (seq < 1) {
      throw new CorruptStateException("bad tip seq " + seq);
    }
    try {
      return new AppliedTip(seq, new BlobRef(hash), Hlc.unpack(hlc));
    } catch (IllegalArgumentException e) {
      throw new CorruptStateException("bad tip record", e);
    }
  }
}
