package org.latticefs.kv.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.Head;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.NodeId;

/** The state decoders accept only what the encoders write; anything else is corruption. */
class StateCodecFuzzTest {
  @Property(tries = 2000)
  void randomBytesAreCorruptionNeverACrash(@ForAll @Size(max = 400) byte[] data) {
    try {
      List<Head> heads = StateCodec.decodeHeads("/k", data, data.length);
      byte[] again = StateCodec.encodeHeads(heads);
      assertEquals(data.length, again.length);
    } catch (CorruptStateException expected) {
      // The only allowed failure.
    }
    try {
      StateCodec.decodeTip(data, data.length);
    } catch (CorruptStateException expected) {
      // The only allowed failure.
    }
  }

  @Property(tries = 2000)
  void mutatedRecordsAreCorruptionOrStillWellFormed(
      @ForAll @Size(min = 1, max = 4) List<@Size(max = 40) byte[]> values,
      @ForAll int position,
      @ForAll byte flip,
      @ForAll boolean truncate)
      throws CorruptStateException {
    List<Head> heads = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      byte[] author = new byte[32];
      author[0] = (byte) i;
      heads.add(
          new Head(
              "/k",
              i % 2 == 0 ? values.get(i) : null,
              new Hlc(i, i),
              new NodeId(author),
              Blake3.hash(new byte[] {(byte) i})));
    }
    byte[] data = StateCodec.encodeHeads(heads);
    assertEquals(heads, StateCodec.decodeHeads("/k", data, data.length));
    int at = Math.floorMod(position, data.length);
    int length = data.length;
    if (truncate) {
      length = at;
    } else {
      data[at] ^= (byte) (flip == 0 ? 1 : flip);
    }
    try {
      StateCodec.decodeHeads("/k", data, length);
    } catch (CorruptStateException expected) {
      // The only allowed failure.
    }
  }
}
