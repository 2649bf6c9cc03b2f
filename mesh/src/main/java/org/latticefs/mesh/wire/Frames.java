package org.latticefs.mesh.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;
import io.netty.handler.codec.DecoderException;
import java.util.List;
import org.latticefs.kv.sync.Equivocation;

/**
 * Frames the mesh protocol on a byte stream: each {@link Message} is a u32 big-endian length
 * followed by that many bytes ({@link MessageCodec}). A frame longer than the current limit, or one
 * that does not decode, fails the channel (a {@link DecoderException} whose cause is a {@link
 * ProtocolException}) and everything after it is discarded unread.
 *
 * <p>The limit starts at {@link #HANDSHAKE_MAX_FRAME}, so a peer that has not proven who it is
 * cannot make this node buffer more than that; {@link #authenticated} raises it to {@link
 * #MAX_FRAME}, which holds the largest fraud proof (two of kv's largest entries). Not sharable: one
 * per channel, used on its event loop.
 */
public final class Frames extends ByteToMessageCodec<Message> {
  /** The largest frame before the peer is admitted. */
  public static final int HANDSHAKE_MAX_FRAME = 16 << 10;

  /** The largest frame after. */
  public static final int MAX_FRAME = Equivocation.MAX_BYTES + 64;

  private int maxFrame = HANDSHAKE_MAX_FRAME;
  private boolean failed;

  /** Raises the frame limit to {@link #MAX_FRAME} (the peer is admitted). */
  public void authenticated() {
    maxFrame = MAX_FRAME;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Message msg, ByteBuf out) {
    int start = out.writerIndex();
    out.writeInt(0);
    MessageCodec.encode(msg, out);
    int length = out.writerIndex() - start - 4;
    if (length > MAX_FRAME) {
      throw new IllegalArgumentException("a frame of " + length + " bytes is over the limit");
    }
    out.setInt(start, length);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < 4) {
      return;
    }
    long length = in.getUnsignedInt(in.readerIndex());
    if (length > maxFrame) {
      fail(
          in,
          new ProtocolException(
              "a frame of " + length + " bytes is over the limit of " + maxFrame));
    }
    if (length == 0) {
      fail(in, new ProtocolException("an empty frame"));
    }
    if (in.readableBytes() < 4 + length) {
      return;
    }
    in.skipBytes(4);
    ByteBuf frame = in.readSlice((int) length);
    try {
      out.add(MessageCodec.decode(frame));
    } catch (ProtocolException e) {
      fail(in, e);
    }
  }

  private void fail(ByteBuf in, ProtocolException e) {
    failed = true;
    in.skipBytes(in.readableBytes());
    throw new DecoderException(e);
  }
}
