package org.latticefs.kv.sync;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.MalformedEntryException;
import org.latticefs.kv.log.SignedEntry;

/**
 * A fraud proof: two entries validly signed by one author with the same seq and different content.
 * Anyone can check it ({@link #check}) without trusting whoever presents it.
 *
 * <p>Byte form ({@link #toBytes}): {@code "LTEQ" 0x01}, then the two entries' wire forms, each
 * preceded by its length (u32, big-endian).
 */
public record Equivocation(SignedEntry first, SignedEntry second) {
  private static final byte[] MAGIC = {'L', 'T', 'E', 'Q', 1};

  /** The longest byte form of a proof. */
  public static final int MAX_BYTES = MAGIC.length + 2 * (4 + SignedEntry.MAX_WIRE_BYTES);

  /** The author who signed both. */
  public NodeId author() {
    return first.entry().author();
  }

  /** The seq both claim. */
  public long seq() {
    return first.entry().seq();
  }

  /** Verifies the proof: same store, author and seq, different hashes, both signatures valid. */
  public boolean check() {
    return first.entry().storeId().equals(second.entry().storeId())
        && first.entry().author().equals(second.entry().author())
        && first.entry().seq() == second.entry().seq()
        && !first.hash().equals(second.hash())
        && first.verifySignature()
        && second.verifySignature();
  }

  public byte[] toBytes() {
    byte[] a = first.toWire();
    byte[] b = second.toWire();
    return ByteBuffer.allocate(MAGIC.length + 8 + a.length + b.length)
        .put(MAGIC)
        .putInt(a.length)
        .put(a)
        .putInt(b.length)
        .put(b)
        .array();
  }

  /**
   * Parses and {@linkplain #check checks} a proof.
   *
   * @throws KvException if the bytes are malformed or do not prove an equivocation
   */
  public static Equivocation parse(byte[] data) throws KvException {
    if (data.length > MAX_BYTES
        || data.length < MAGIC.length + 8
        || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new MalformedEntryException("not an equivocation proof");
    }
    ByteBuffer b = ByteBuffer.wrap(data).position(MAGIC.length);
    SignedEntry first = next(b);
    SignedEntry second = next(b);
    if (b.hasRemaining()) {
      throw new MalformedEntryException("trailing bytes after an equivocation proof");
    }
    Equivocation proof = new Equivocation(first, second);
    if (!proof.check()) {
      throw new KvException("the two entries do not prove an equivocation");
    }
    return proof;
  }

  private static SignedEntry next(ByteBuffer b) throws MalformedEntryException {
    if (b.remaining() < 4) {
      throw new MalformedEntryException("truncated equivocation proof");
    }
    int len = b.getInt();
    if (len < 0 || len > b.remaining()) {
      throw new MalformedEntryException("truncated equivocation proof");
    }
    SignedEntry e = SignedEntry.fromWire(b.array(), b.position(), len);
    b.position(b.position() + len);
    return e;
  }
}
