package org.latticefs.node.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class FramesTest {
  static Map<String, Object> read(byte[] b, int limit) throws IOException {
    return Frames.read(Channels.newChannel(new ByteArrayInputStream(b)), limit);
  }

  @Test
  void roundTrip() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Map<String, Object> m = Map.of("op", "ping");
    Frames.write(Channels.newChannel(out), m, 100);
    Frames.write(Channels.newChannel(out), m, 100);
    {
      var ch = Channels.newChannel(new ByteArrayInputStream(out.toByteArray()));
      assertEquals(m, Frames.read(ch, 100));
      assertEquals(m, Frames.read(ch, 100));
      assertNull(Frames.read(ch, 100));
    }
  }

  @Test
  void rejectsOversizedNegativeTruncatedAndNonUtf8Frames() {
    byte[] huge = ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array();
    assertThrows(Frames.ProtocolException.class, () -> read(huge, Frames.MAX_REQUEST));
    byte[] neg = ByteBuffer.allocate(4).putInt(-1).array();
    assertThrows(Frames.ProtocolException.class, () -> read(neg, Frames.MAX_REQUEST));
    byte[] trunc = ByteBuffer.allocate(6).putInt(10).put((byte) '{').put((byte) '}').array();
    assertThrows(EOFException.class, () -> read(trunc, 100));
    byte[] bad = ByteBuffer.allocate(6).putInt(2).put((byte) 0xff).put((byte) 0xfe).array();
    assertThrows(Frames.ProtocolException.class, () -> read(bad, 100));
    byte[] notObj = ByteBuffer.allocate(5).putInt(1).put((byte) '1').array();
    assertThrows(Frames.ProtocolException.class, () -> read(notObj, 100));
  }

  @Property(tries = 3000)
  void randomBytesAreRejectedCleanly(@ForAll @Size(max = 80) byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body);
    try {
      read(b.array(), 1000);
    } catch (Frames.ProtocolException expected) {
      // clean rejection
    } catch (IOException e) {
      throw new AssertionError("unexpected " + e, e);
    }
  }
}
