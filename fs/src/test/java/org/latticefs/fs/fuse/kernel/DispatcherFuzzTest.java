package org.latticefs.fs.fuse.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher against malformed, truncated and oversized requests: it never throws, answers
 * every request the kernel expects an answer to exactly once, never answers the others, and every
 * answer is well formed (its length field is its length, it fits the reply buffer, it carries the
 * request's unique id, and an error answer has no body).
 */
class DispatcherFuzzTest {
  private static final Set<Integer> UNANSWERED =
      Set.of(Abi.FORGET, Abi.BATCH_FORGET, Abi.INTERRUPT);
  private static final int REPLY_BUFFER = 8192;

  /** A request as the fuzzer builds it. */
  record Raw(int opcode, long node, byte[] body, int lengthDelta) {}

  private static Dispatcher.Scratch scratch() {
    return new Dispatcher.Scratch(
        ByteBuffer.allocateDirect(REPLY_BUFFER).order(ByteOrder.LITTLE_ENDIAN));
  }

  private static Dispatcher initialized(InodeFileSystem fs, Dispatcher.Scratch s) {
    Dispatcher d = new Dispatcher(fs, KernelOptions.defaults("fuzz"));
    List<ByteBuffer> replies = serveAll(d, s, request(Abi.INIT, 1, 1, initBody(7, 38, 1 << 22)));
    assertEquals(1, replies.size());
    assertEquals(0, replies.get(0).getInt(4));
    return d;
  }

  private static byte[] initBody(int major, int minor, int flags) {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(major).putInt(minor).putInt(1 << 17).putInt(flags);
    return b.array();
  }

  static ByteBuffer request(int opcode, long unique, long node, byte[] body) {
    ByteBuffer b =
        ByteBuffer.allocateDirect(Abi.IN_HEADER + body.length + 64).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(Abi.IN_HEADER + body.length).putInt(opcode).putLong(unique).putLong(node);
    b.putInt(0).putInt(0).putInt(1).putInt(0).put(body);
    return b;
  }

  private static ByteBuffer copy(ByteBuffer r) {
    ByteBuffer c = ByteBuffer.allocate(r.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    c.put(r.duplicate()).flip();
    return c;
  }

  @Provide
  Arbitrary<Raw> requests() {
    Arbitrary<Integer> opcodes =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(1, 50)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
    Arbitrary<Long> nodes =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, Arbitraries.longs().between(0, 6)),
            net.jqwik.api.Tuple.of(1, Arbitraries.longs()));
    Arbitrary<byte[]> bodies =
        Arbitraries.oneOf(
            Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
            // names: printable bytes with NULs here and there
            Arbitraries.bytes().between((byte) 0, (byte) 'z').array(byte[].class).ofMaxSize(2100),
            // structured prefix (sizes and offsets that look real, or huge)
            Combinators.combine(
                    Arbitraries.longs(),
                    Arbitraries.longs().between(0, 1 << 22),
                    Arbitraries.integers(),
                    Arbitraries.bytes().array(byte[].class).ofMaxSize(64))
                .as(
                    (fh, off, size, rest) -> {
                      ByteBuffer b =
                          ByteBuffer.allocate(40 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
                      b.putLong(fh).putLong(off).putInt(size).putInt(0).putLong(0).putLong(0);
                      b.put(rest);
                      return b.array();
                    }));
    Arbitrary<Integer> deltas =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, Arbitraries.just(0)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-60, 60)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
    return Combinators.combine(opcodes, nodes, bodies, deltas).as(Raw::new);
  }

  @Property(tries = 3000)
  void anyRequestGetsOneWellFormedAnswerOrNone(@ForAll("requests") Raw raw) {
    Dispatcher.Scratch s = scratch();
    Dispatcher d = initialized(new MemoryInodeFs(true), s);
    // Some state to act on: a file (node 2) with bytes, a directory (node 3).
    serveAll(d, s, request(Abi.CREATE, 2, 1, createBody("f")));
    serveAll(d, s, request(Abi.WRITE, 3, 2, writeBody(2, 0, new byte[300])));
    serveAll(d, s, request(Abi.MKDIR, 4, 1, mkdirBody("d")));

    long unique = 77;
    ByteBuffer req = request(raw.opcode(), unique, raw.node(), raw.body());
    int length = req.getInt(0) + raw.lengthDelta();
    List<ByteBuffer> replies = serveAll(d, s, req, length);
    boolean answerable = length >= 16 && length <= req.capacity();
    boolean expectsAnswer =
        answerable
            && !(length == req.getInt(0)
                && length >= Abi.IN_HEADER
                && UNANSWERED.contains(raw.opcode()));
    assertEquals(expectsAnswer ? 1 : 0, replies.size(), "answers to " + raw);
    for (ByteBuffer r : replies) {
      assertTrue(r.remaining() >= Abi.OUT_HEADER && r.remaining() <= REPLY_BUFFER);
      assertEquals(r.remaining(), r.getInt(0));
      int error = r.getInt(4);
      assertTrue(error <= 0 && error > -4096, "error " + error);
      if (error != 0) {
        assertEquals(Abi.OUT_HEADER, r.remaining());
      }
      assertEquals(unique, r.getLong(8));
    }
  }

  @Property(tries = 300)
  void initWithAnyVersionNeverThrows(
      @ForAll @IntRange(min = 0, max = 9) int major,
      @ForAll @IntRange(min = 0, max = 60) int minor,
      @ForAll int flags) {
    Dispatcher.Scratch s = scratch();
    Dispatcher d = new Dispatcher(new MemoryInodeFs(false), KernelOptions.defaults("fuzz"));
    ByteBuffer init = request(Abi.INIT, 9, 1, initBody(major, minor, flags));
    List<ByteBuffer> replies = serveAll(d, s, init);
    assertEquals(1, replies.size());
    boolean ok = major > 7 || (major == 7 && minor >= Abi.MIN_MINOR);
    assertEquals(ok, replies.get(0).getInt(4) == 0);
    assertEquals(major == 7 && minor >= Abi.MIN_MINOR, d.connection() != null);
  }

  @Test
  void requestsBeforeInitAreRefused() {
    Dispatcher.Scratch s = scratch();
    Dispatcher d = new Dispatcher(new MemoryInodeFs(true), KernelOptions.defaults("fuzz"));
    List<ByteBuffer> replies = serveAll(d, s, request(Abi.GETATTR, 5, 1, new byte[16]));
    assertEquals(-5, replies.get(0).getInt(4));
  }

  @Test
  void aReadLargerThanTheReplyBufferIsCutToIt() {
    MemoryInodeFs fs = new MemoryInodeFs(true);
    Dispatcher.Scratch s = scratch();
    Dispatcher d = initialized(fs, s);
    serveAll(d, s, request(Abi.CREATE, 2, 1, createBody("f")));
    serveAll(d, s, request(Abi.WRITE, 3, 2, writeBody(2, 0, new byte[3 * REPLY_BUFFER])));
    ByteBuffer read = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    read.putLong(2).putLong(0).putInt(1 << 20);
    ByteBuffer r = serveAll(d, s, request(Abi.READ, 4, 2, read.array())).get(0);
    assertEquals(0, r.getInt(4));
    assertEquals(REPLY_BUFFER, r.remaining());
  }

  @Test
  void anErrorThrownByTheFilesystemIsAnsweredEio() {
    Dispatcher.Scratch s = scratch();
    InodeFileSystem throwing =
        new InodeFileSystem() {
          @Override
          public int getattr(Caller c, long node, long fh, Attr a) {
            throw new IllegalStateException("boom");
          }
        };
    Dispatcher d = initialized(throwing, s);
    assertEquals(-5, serveAll(d, s, request(Abi.GETATTR, 5, 1, new byte[16])).get(0).getInt(4));
  }

  private static List<ByteBuffer> serveAll(Dispatcher d, Dispatcher.Scratch s, ByteBuffer req) {
    return serveAll(d, s, req, req.getInt(0));
  }

  /** Serves {@code req} as a request of {@code length} bytes; returns the answers, copied. */
  private static List<ByteBuffer> serveAll(
      Dispatcher d, Dispatcher.Scratch s, ByteBuffer req, int length) {
    List<ByteBuffer> replies = new ArrayList<>();
    d.serve(
        req,
        length,
        s,
        r -> {
          replies.add(copy(r));
          return 0;
        });
    return replies;
  }

  private static byte[] createBody(String name) {
    ByteBuffer b = ByteBuffer.allocate(16 + name.length() + 1).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(2).putInt(0100644).putInt(0).putInt(0).put(name.getBytes()).put((byte) 0);
    return b.array();
  }

  private static byte[] mkdirBody(String name) {
    ByteBuffer b = ByteBuffer.allocate(8 + name.length() + 1).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0755).putInt(0).put(name.getBytes()).put((byte) 0);
    return b.array();
  }

  private static byte[] writeBody(long fh, long offset, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(40 + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(fh).putLong(offset).putInt(data.length).putInt(0).putLong(0).putInt(0).putInt(0);
    b.put(data);
    return b.array();
  }
}
