package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.sync.Equivocation;

/** Proof files are read back through a decoder that accepts only valid proofs. */
class EquivocationFuzzTest {
  static final UUID STORE = UUID.fromString("6b1d1c1e-0000-4000-8000-0000000000e0");
  static final TestAuthor LIAR = new TestAuthor(11, STORE);
  static final Equivocation PROOF =
      new Equivocation(
          LIAR.build(1, Entry.GENESIS, new Hlc(1000, 0), Map.of(), Op.Put.utf8("/k", "a")),
          LIAR.build(1, Entry.GENESIS, new Hlc(1000, 0), Map.of(), Op.Put.utf8("/k", "b")));

  @Test
  void aProofRoundTrips() throws Exception {
    Equivocation back = Equivocation.parse(PROOF.toBytes());
    assertEquals(PROOF.first().hash(), back.first().hash());
    assertEquals(PROOF.second().hash(), back.second().hash());
    assertEquals(LIAR.id(), back.author());
  }

  @Test
  void twoCopiesOfOneEntryProveNothing() {
    SignedEntry e = PROOF.first();
    assertThrows(KvException.class, () -> Equivocation.parse(new Equivocation(e, e).toBytes()));
  }

  @Property(tries = 1000)
  void randomBytesAreRejected(@ForAll @Size(max = 600) byte[] data) {
    assertThrows(KvException.class, () -> Equivocation.parse(data));
  }

  @Property(tries = 1000)
  void mutatedProofsAreRejectedOrStillValid(@ForAll int position, @ForAll byte flip) {
    byte[] data = PROOF.toBytes();
    data[Math.floorMod(position, data.length)] ^= (byte) (flip == 0 ? 1 : flip);
    try {
      Equivocation back = Equivocation.parse(data);
      assertEquals(true, back.check());
    } catch (KvException expected) {
      // The only allowed failure.
    }
  }
}
