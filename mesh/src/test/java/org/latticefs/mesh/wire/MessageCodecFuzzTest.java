package org.latticefs.mesh.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.NodeId;

/**
 * Every decoder of the mesh protocol against malformed input: random bytes, valid messages with
 * bytes flipped, cut short or extended, frames announcing huge lengths. Decoding either yields a
 * message or fails with a {@link ProtocolException}; a channel fed garbage fails and releases every
 * buffer (the tests run with Netty's leak detector at PARANOID).
 */
class MessageCodecFuzzTest {

  @Provide
  Arbitrary<Message> messages() {
    Arbitrary<String> str = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<List<String>> strs = str.list().ofMaxSize(5);
    Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    Arbitrary<UUID> uuid = Arbitraries.longs().tuple2().map(t -> new UUID(t.get1(), t.get2()));
    Arbitrary<Message.Tip> tip =
        Combinators.combine(
                Arbitraries.bytes().array(byte[].class).ofSize(32),
                Arbitraries.longs().greaterOrEqual(1),
                Arbitraries.bytes().array(byte[].class).ofSize(32),
                Arbitraries.longs().between(0, Hlc.MAX_PHYSICAL))
            .as((a, s, h, p) -> new Message.Tip(new NodeId(a), s, new BlobRef(h), new Hlc(p, 7)));
    return Arbitraries.oneOf(
        Combinators.combine(
                Arbitraries.integers().between(0, 65535),
                Arbitraries.integers().between(0, 65535),
                str,
                strs,
                strs,
                Arbitraries.bytes().array(byte[].class).ofMaxSize(MessageCodec.MAX_INVITE))
            .as(Message.Hello::new),
        Combinators.combine(Arbitraries.integers().between(0, 65535), strs)
            .as(Message.Welcome::new),
        Combinators.combine(Arbitraries.integers().between(0, 65535), str).as(Message.Error::new),
        Arbitraries.longs().map(Message.Ping::new),
        Arbitraries.longs().map(Message.Pong::new),
        Combinators.combine(uuid, tip.list().ofMaxSize(4)).as(Message.Tips::new),
        Combinators.combine(uuid, Arbitraries.longs(), bytes.list().ofMaxSize(4))
            .as(Message.Entries::new),
        Combinators.combine(uuid, Arbitraries.longs(), tip.list().ofMaxSize(4))
            .as(Message.Ack::new),
        Combinators.combine(uuid, bytes).as(Message.Proof::new),
        Combinators.combine(
                uuid,
                Arbitraries.bytes().array(byte[].class).ofSize(32).map(NodeId::new),
                Arbitraries.longs().greaterOrEqual(0))
            .as(Message.ChainRequest::new),
        Combinators.combine(
                uuid,
                Arbitraries.bytes().array(byte[].class).ofSize(32).map(NodeId::new),
                bytes.list().ofMaxSize(4),
                Arbitraries.of(true, false))
            .as(Message.ChainPart::new),
        Combinators.combine(
                Arbitraries.longs(),
                Arbitraries.bytes().array(byte[].class).ofSize(32).map(BlobRef::new))
            .as(Message.BlobRequest::new),
        Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(0, 1000), bytes)
            .as((id, offset, data) -> new Message.BlobPart(id, offset + data.length, offset, data)),
        Combinators.combine(
                Arbitraries.longs(),
                Arbitraries.integers().between(0, Message.BlobMissing.MAX_REASON))
            .as(Message.BlobMissing::new),
        Arbitraries.longs().map(Message.BlobCancel::new),
        Combinators.combine(Arbitraries.longs(), refs().list().ofMaxSize(6))
            .as(Message.KeepQuery::new),
        Combinators.combine(Arbitraries.longs(), refs().list().ofMaxSize(6))
            .as((id, kept) -> new Message.KeepAnswer(id, true, kept)),
        Arbitraries.longs().map(id -> new Message.KeepAnswer(id, false, List.of())));
  }

  static Arbitrary<BlobRef> refs() {
    return Arbitraries.bytes().array(byte[].class).ofSize(32).map(BlobRef::new);
  }

  static byte[] encode(Message m) {
    ByteBuf b = Unpooled.buffer();
    try {
      MessageCodec.encode(m, b);
      byte[] out = new byte[b.readableBytes()];
      b.readBytes(out);
      return out;
    } finally {
      b.release();
    }
  }

  /** Decodes {@code bytes} as one frame's body; null when refused with a ProtocolException. */
  static Message decodeOrNull(byte[] bytes) {
    ByteBuf b = Unpooled.wrappedBuffer(bytes);
    try {
      return MessageCodec.decode(b);
    } catch (ProtocolException e) {
      return null;
    } finally {
      b.release();
    }
  }

  @Property(tries = 500)
  void everyMessageRoundTrips(@ForAll("messages") Message m) {
    assertEquals(reencoded(m), reencoded(MessageCodec.decodeOrThrow(encode(m))));
  }

  private static String reencoded(Message m) {
    return java.util.HexFormat.of().formatHex(encode(m));
  }

  @Property(tries = 2000)
  void randomBytesNeverCrashTheDecoder(@ForAll @Size(max = 200) byte[] bytes) {
    decodeOrNull(bytes);
  }

  @Property(tries = 2000)
  void mutatedMessagesDecodeOrAreRefused(
      @ForAll("messages") Message m,
      @ForAll @IntRange(min = 0, max = 2) int how,
      @ForAll long seed) {
    byte[] valid = encode(m);
    Random r = new Random(seed);
    byte[] bad;
    if (how == 0 && valid.length > 0) {
      bad = valid.clone();
      for (int i = 0; i < 1 + r.nextInt(4); i++) {
        bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
      }
    } else if (how == 1) {
      bad = java.util.Arrays.copyOf(valid, r.nextInt(valid.length));
    } else {
      bad = java.util.Arrays.copyOf(valid, valid.length + 1 + r.nextInt(8));
    }
    Message got = decodeOrNull(bad);
    if (how == 1 || how == 2) {
      // A cut or extended message is never taken for a whole one.
      assertEquals(
          null, got, "decoded " + got + " from " + bad.length + " of " + valid.length + " bytes");
    }
  }

  @Property(tries = 300)
  void aChannelFedGarbageFailsAndLeaksNothing(@ForAll @Size(min = 1, max = 400) byte[] garbage) {
    EmbeddedChannel ch = new EmbeddedChannel(new Frames());
    ByteBuf in = Unpooled.wrappedBuffer(garbage);
    try {
      ch.writeInbound(in);
    } catch (DecoderException expected) {
      // A malformed frame fails the channel.
    }
    Object m;
    while ((m = ch.readInbound()) != null) {
      assertTrue(m instanceof Message, "only whole messages come out: " + m);
    }
    ch.finishAndReleaseAll();
    assertEquals(0, in.refCnt(), "the decoder released what it was given");
  }

  @Property(tries = 200)
  void framesOfValidMessagesComeThroughSplitAnywhere(
      @ForAll("messages") Message m, @ForAll @IntRange(min = 1, max = 64) int piece) {
    EmbeddedChannel out = new EmbeddedChannel(new Frames());
    out.writeOutbound(m);
    ByteBuf framed = out.readOutbound();
    out.finishAndReleaseAll();
    EmbeddedChannel in = new EmbeddedChannel(new Frames());
    in.pipeline().get(Frames.class).authenticated();
    while (framed.isReadable()) {
      in.writeInbound(framed.readRetainedSlice(Math.min(piece, framed.readableBytes())));
    }
    framed.release();
    assertEquals(0, framed.refCnt(), "every slice was released by the decoder");
    Message got = in.readInbound();
    assertEquals(reencoded(m), reencoded(got));
    assertFalse(in.finishAndReleaseAll());
  }

  @Property(tries = 50)
  void anOversizedLengthIsRefusedBeforeAnythingIsBuffered(
      @ForAll @IntRange(min = Frames.HANDSHAKE_MAX_FRAME + 1) int length) {
    EmbeddedChannel ch = new EmbeddedChannel(new Frames());
    ByteBuf b = Unpooled.buffer().writeInt(length).writeByte(1);
    assertThrows(DecoderException.class, () -> ch.writeInbound(b));
    // Whatever follows is discarded unread.
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[100]));
    assertEquals(null, (Object) ch.readInbound());
    ch.finishAndReleaseAll();
  }

  @Property(tries = 20)
  void afterAdmissionTheLimitIsTheLargestProof(@ForAll @IntRange(min = 1, max = 10) int extra) {
    EmbeddedChannel ch = new EmbeddedChannel(new Frames());
    ch.pipeline().get(Frames.class).authenticated();
    ByteBuf b = Unpooled.buffer().writeInt(Frames.MAX_FRAME + extra);
    assertThrows(DecoderException.class, () -> ch.writeInbound(b));
    ch.finishAndReleaseAll();
  }

  @Property(tries = 100)
  void blobPartsBeyondTheirLimitsAreRefused(
      @ForAll @IntRange(min = 0, max = 3) int which, @ForAll long id) {
    ByteBuf b = Unpooled.buffer().writeByte(MessageCodec.BLOB_PART).writeLong(id);
    switch (which) {
      case 0 -> b.writeInt(MessageCodec.MAX_BLOB + 1).writeInt(0).writeInt(1).writeByte(7);
      case 1 -> b.writeInt(10).writeInt(8).writeInt(3).writeBytes(new byte[3]);
      case 2 -> b.writeInt(-1).writeInt(0).writeInt(MessageCodec.MAX_PART + 1);
      default -> b.writeInt(MessageCodec.MAX_BLOB).writeInt(-8).writeInt(16);
    }
    byte[] body = new byte[b.readableBytes()];
    b.readBytes(body).release();
    assertEquals(null, decodeOrNull(body));
  }

  @Property(tries = 20)
  void aBlobMissingWithAnUnknownReasonIsRefused(@ForAll @IntRange(min = 4, max = 255) int reason) {
    byte[] body = encode(new Message.BlobMissing(3, 0));
    body[body.length - 1] = (byte) reason;
    assertEquals(null, decodeOrNull(body));
  }

  @Property(tries = 50)
  void keepMessagesBeyondTheirLimitsAreRefused(
      @ForAll @IntRange(min = 0, max = 3) int which, @ForAll long id) {
    int over = Message.KeepQuery.MAX_REFS + 1;
    ByteBuf b = Unpooled.buffer();
    switch (which) {
      case 0 -> b.writeByte(MessageCodec.KEEP_QUERY).writeLong(id).writeShort(over);
      case 1 -> b.writeByte(MessageCodec.KEEP_ANSWER).writeLong(id).writeByte(1).writeShort(over);
      case 2 -> b.writeByte(MessageCodec.KEEP_ANSWER).writeLong(id).writeByte(2).writeShort(0);
      default ->
          b.writeByte(MessageCodec.KEEP_ANSWER)
              .writeLong(id)
              .writeByte(0)
              .writeShort(1)
              .writeBytes(new byte[32]);
    }
    b.writeBytes(new byte[which < 2 ? over * 32 : 0]);
    byte[] body = new byte[b.readableBytes()];
    b.readBytes(body).release();
    assertEquals(null, decodeOrNull(body));
  }
}
