package org.latticefs.kv.state;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Blake3Hasher;
import org.latticefs.kv.NodeId;

/**
 * Builds the state digest: BLAKE3 over {@code "lattice-kv-state-v1\n"}, then for every key in
 * {@link org.latticefs.kv.KeyBytes#ORDER}: {@code 'K' keyLen:u32 key valueLen:u32 heads} (the
 * canonical heads encoding), then for every author in id order: {@code 'T' author:32 tip} (the
 * canonical tip encoding). Ghosts are not covered: they are bookkeeping for entries not yet arrived
 * and depend on arrival order, not on the set of entries.
 */
final class StateDigest implements AutoCloseable {
  private final Blake3Hasher hasher = Blake3.newHasher();
  private final ByteBuffer header = ByteBuffer.allocate(9);

  StateDigest() {
    hasher.update("lattice-kv-state-v1\n".getBytes(StandardCharsets.US_ASCII));
  }

  /** Adds one key (its bytes); keys must come in their order, before any tip. */
  void key(byte[] key, byte[] encodedHeads, int headsLength) {
    header.clear();
    header.put((byte) 'K').putInt(key.length);
    hasher.update(header.array(), 0, 5);
    hasher.update(key);
    header.clear();
    header.putInt(headsLength);
    hasher.update(header.array(), 0, 4);
    hasher.update(encodedHeads, 0, headsLength);
  }

  /** Adds one author's tip; authors must come in ascending id order. */
  void tip(NodeId author, AppliedTip tip) {
    hasher.update(new byte[] {'T'});
    hasher.update(author.publicKey());
    hasher.update(StateCodec.encodeTip(tip));
  }

  BlobRef finish() {
    return hasher.finish();
  }

  @Override
  public void close() {
    hasher.close();
  }
}
