package org.latticefs.node.control;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The control protocol's framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON
 * (one object). A frame longer than the reader's limit, a negative length, invalid UTF-8 or a
 * truncated frame is a {@link ProtocolException}; nothing is allocated beyond the limit.
 */
public final class Frames {
  /**
   * Largest request a daemon accepts: room for the largest value kv stores ({@link
   * org.latticefs.kv.log.Entry#MAX_VALUE_BYTES}, 1 MiB), base64-encoded, with the longest key.
   */
  public static final int MAX_REQUEST = 2 << 20;

  /** Largest response a daemon sends and a client accepts. */
  public static final int MAX_RESPONSE = 64 << 20;

  private Frames() {}

  /** The peer sent something that is not a valid frame. */
  public static class ProtocolException extends IOException {
    public ProtocolException(String message) {
      super(message);
    }
  }

  /** A message whose encoding is over the limit it was written with; nothing was written. */
  public static final class FrameTooLargeException extends ProtocolException {
    private final int limit;

    FrameTooLargeException(int limit) {
      super("a frame of more than " + limit + " bytes");
      this.limit = limit;
    }

    public int limit() {
      return limit;
    }
  }

  /**
   * Writes {@code message} as one frame.
   *
   * @throws FrameTooLargeException if its encoding is over {@code maxBytes} (nothing is written)
   */
  public static void write(WritableByteChannel ch, Map<String, Object> message, int maxBytes)
      throws IOException {
    byte[] body;
    try {
      // UTF-8 has at least one byte per char: text longer than the limit is over it in bytes.
      body = Json.write(message, maxBytes).getBytes(StandardCharsets.UTF_8);
    } catch (Json.JsonException tooLong) {
      throw new FrameTooLargeException(maxBytes);
    }
    if (body.length > maxBytes) {
      throw new FrameTooLargeException(maxBytes);
    }
    ByteBuffer b = ByteBuffer.allocate(4 + body.length);
    b.putInt(body.length).put(body).flip();
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /**
   * Reads one frame; returns null on a clean end of stream before its first byte.
   *
   * @throws ProtocolException on a malformed or oversized frame
   */
  public static Map<String, Object> read(ReadableByteChannel ch, int maxBytes) throws IOException {
    ByteBuffer len = ByteBuffer.allocate(4);
    if (!fill(ch, len, true)) {
      return null;
    }
    int n = len.flip().getInt();
    if (n < 0 || n > maxBytes) {
      throw new ProtocolException("frame of " + n + " bytes (limit " + maxBytes + ")");
    }
    ByteBuffer body = ByteBuffer.allocate(n);
    fill(ch, body, false);
    return decode(body.flip());
  }

  /** Decodes one frame body: strict UTF-8, then a JSON object. */
  public static Map<String, Object> decode(ByteBuffer body) throws ProtocolException {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(body)
              .toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException("frame is not valid UTF-8");
    }
    try {
      return Json.parseObject(text, Integer.MAX_VALUE);
    } catch (Json.JsonException e) {
      throw new ProtocolException("frame is not a JSON object: " + e.getMessage());
    }
  }

  private static boolean fill(ReadableByteChannel ch, ByteBuffer b, boolean eofOkAtStart)
      throws IOException {
    while (b.hasRemaining()) {
      int r = ch.read(b);
      if (r < 0) {
        if (eofOkAtStart && b.position() == 0) {
          return false;
        }
        throw new EOFException("connection closed inside a frame");
      }
    }
    return true;
  }
}
