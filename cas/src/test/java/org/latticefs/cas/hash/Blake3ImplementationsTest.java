package org.latticefs.cas.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.testing.Poll;

/**
 * One contract, run against each BLAKE3 implementation on its own (Java, native) and through the
 * {@link Blake3} facade (whatever it chose): official vectors, incremental updates, buffer kinds.
 */
class Blake3ImplementationsTest {

  /** What every implementation must do. */
  abstract static class Contract {
    abstract Blake3Hasher newHasher();

    abstract BlobRef hash(byte[] data, int off, int len);

    abstract BlobRef hash(ByteBuffer data);

    /** The reference: BouncyCastle, itself checked against the official vectors. */
    static BlobRef reference(byte[] data) {
      try (Blake3Hasher h = new JavaBlake3Hasher()) {
        h.update(data, 0, data.length);
        return h.finish();
      }
    }

    @Test
    void officialVectorsOneShotHeapAndDirect() {
      List<Blake3TestSupport.Vector> vectors = Blake3TestSupport.vectors();
      assertTrue(vectors.size() >= 30, "all lengths of the official file: " + vectors.size());
      for (Blake3TestSupport.Vector v : vectors) {
        byte[] input = v.input();
        String what = "input_len " + v.inputLength();
        // Inside a larger array, so that offsets are honoured.
        byte[] padded = new byte[input.length + 13];
        System.arraycopy(input, 0, padded, 7, input.length);
        assertEquals(v.hashHex(), hash(padded, 7, input.length).hex(), what + " heap");

        ByteBuffer direct = ByteBuffer.allocateDirect(input.length + 10);
        direct.position(5);
        direct.put(input).flip().position(5);
        assertEquals(v.hashHex(), hash(direct).hex(), what + " direct");
        assertEquals(direct.limit(), direct.position(), what + " direct position moved to limit");

        assertEquals(v.hashHex(), hash(ByteBuffer.wrap(padded, 7, input.length)).hex(), what);
      }
    }

    @Test
    void officialVectorsIncremental() {
      for (Blake3TestSupport.Vector v : Blake3TestSupport.vectors()) {
        byte[] input = v.input();
        try (Blake3Hasher h = newHasher()) {
          // Byte by byte up to the first chunk boundary, then the rest at once.
          int head = Math.min(input.length, 1030);
          for (int i = 0; i < head; i++) {
            h.update(input, i, 1);
          }
          h.update(input, head, input.length - head);
          assertEquals(v.hashHex(), h.finish().hex(), "input_len " + v.inputLength());
        }
      }
    }

    @Test
    void randomSplitsAndBufferKindsEqualOneShot() {
      long seed = new Random().nextLong();
      Random random = new Random(seed);
      for (int round = 0; round < 40; round++) {
        int length = random.nextInt(round < 30 ? 20_000 : 300_000);
        byte[] data = new byte[length];
        random.nextBytes(data);
        BlobRef expected = reference(data);
        assertEquals(expected, hash(data, 0, length), "seed " + seed);
        try (Blake3Hasher h = newHasher()) {
          int pos = 0;
          while (pos < length) {
            int n = Math.min(length - pos, random.nextInt(1 + random.nextInt(70_000)));
            updateSomehow(h, data, pos, n, random.nextInt(4));
            pos += n;
          }
          assertEquals(expected, h.finish(), "seed " + seed + ", length " + length);
        }
      }
    }

    /** Adds {@code data[pos, pos+n)} as a heap array, heap buffer, direct or read-only buffer. */
    private static void updateSomehow(Blake3Hasher h, byte[] data, int pos, int n, int kind) {
      switch (kind) {
        case 0 -> h.update(data, pos, n);
        case 1 -> {
          ByteBuffer heap = ByteBuffer.wrap(data, pos, n).slice();
          h.update(heap);
          assertEquals(heap.limit(), heap.position());
        }
        case 2 -> {
          ByteBuffer direct = ByteBuffer.allocateDirect(n + 2);
          direct.put((byte) 1).put(data, pos, n).put((byte) 2).flip();
          direct.position(1).limit(1 + n);
          h.update(direct);
          assertEquals(1 + n, direct.position());
        }
        default -> {
          ByteBuffer readOnly = ByteBuffer.wrap(data, pos, n).asReadOnlyBuffer();
          h.update(readOnly);
          assertEquals(readOnly.limit(), readOnly.position());
        }
      }
    }

    @Test
    void largeInputsBeyondOnePinnedSlice() {
      byte[] data = new byte[3 * NativeBlake3.MAX_PINNED + 12_345];
      new Random(7).nextBytes(data);
      BlobRef expected = reference(data);
      assertEquals(expected, hash(data, 0, data.length));
      ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
      assertEquals(expected, hash(direct));
      try (Blake3Hasher h = newHasher()) {
        h.update(ByteBuffer.wrap(data).asReadOnlyBuffer());
        assertEquals(expected, h.finish());
      }
    }

    @Test
    void finishDoesNotResetAndResetForgets() {
      byte[] a = Blake3TestSupport.pattern(5000);
      byte[] b = "more".getBytes(StandardCharsets.US_ASCII);
      byte[] ab = new byte[a.length + b.length];
      System.arraycopy(a, 0, ab, 0, a.length);
      System.arraycopy(b, 0, ab, a.length, b.length);
      try (Blake3Hasher h = newHasher()) {
        h.update(a);
        BlobRef first = h.finish();
        assertEquals(reference(a), first);
        assertEquals(first, h.finish(), "finish twice");
        h.update(b);
        assertEquals(reference(ab), h.finish(), "update after finish continues the message");
        h.reset();
        assertEquals(reference(new byte[0]), h.finish(), "reset forgets everything");
        h.update(b);
        assertEquals(reference(b), h.finish());
      }
    }

    @Test
    void badBoundsAreRejectedAndTheHasherStaysUsable() {
      byte[] data = Blake3TestSupport.pattern(100);
      try (Blake3Hasher h = newHasher()) {
        h.update(data, 0, 10);
        assertThrows(IndexOutOfBoundsException.class, () -> h.update(data, 95, 10));
        assertThrows(IndexOutOfBoundsException.class, () -> h.update(data, -1, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> h.update(data, 5, -1));
        h.update(data, 10, 90);
        assertEquals(reference(data), h.finish());
      }
      assertThrows(IndexOutOfBoundsException.class, () -> hash(data, 50, 51));
    }

    @Test
    void threadsHashIndependently() throws Exception {
      int threads = 4;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          long seed = t;
          results.add(
              pool.submit(
                  () -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 50; i++) {
                      byte[] data = new byte[random.nextInt(40_000)];
                      random.nextBytes(data);
                      BlobRef expected = reference(data);
                      assertEquals(expected, hash(data, 0, data.length));
                      try (Blake3Hasher h = newHasher()) {
                        h.update(data, 0, data.length / 3);
                        h.update(data, data.length / 3, data.length - data.length / 3);
                        assertEquals(expected, h.finish());
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : results) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    void closedHasherRefusesWorkAndCloseIsIdempotent() {
      Blake3Hasher h = newHasher();
      h.update(new byte[3]);
      h.close();
      h.close();
      assertThrows(IllegalStateException.class, () -> h.update(new byte[1]));
      assertThrows(IllegalStateException.class, () -> h.update(ByteBuffer.allocate(1)));
      assertThrows(IllegalStateException.class, h::finish);
      assertThrows(IllegalStateException.class, h::reset);
    }
  }

  @Nested
  class Java extends Contract {
    @Override
    Blake3Hasher newHasher() {
      return new JavaBlake3Hasher();
    }

    @Override
    BlobRef hash(byte[] data, int off, int len) {
      try (Blake3Hasher h = new JavaBlake3Hasher()) {
        h.update(data, off, len);
        return h.finish();
      }
    }

    @Override
    BlobRef hash(ByteBuffer data) {
      try (Blake3Hasher h = new JavaBlake3Hasher()) {
        h.update(data);
        return h.finish();
      }
    }
  }

  @Nested
  class Native extends Contract {
    @Override
    Blake3Hasher newHasher() {
      return Blake3TestSupport.nativeLib().newHasher();
    }

    @Override
    BlobRef hash(byte[] data, int off, int len) {
      return Blake3TestSupport.nativeLib().hash(data, off, len);
    }

    @Override
    BlobRef hash(ByteBuffer data) {
      return Blake3TestSupport.nativeLib().hash(data);
    }

    @Test
    void unclosedHashersAreFreedByTheCleaner() {
      NativeBlake3 lib = Blake3TestSupport.nativeLib();
      long before = NativeBlake3.liveStates();
      for (int i = 0; i < 1000; i++) {
        lib.newHasher().update(new byte[] {(byte) i});
      }
      assertTrue(NativeBlake3.liveStates() >= before + 1000, "each hasher holds native state");
      Poll.until(
          () -> NativeBlake3.liveStates() <= before,
          Duration.ofSeconds(20),
          System::gc,
          () ->
              "unreachable hashers freed: "
                  + NativeBlake3.liveStates()
                  + " live, "
                  + before
                  + " before");
    }

    @Test
    void closeFreesAtOnceAndOnlyOnce() {
      NativeBlake3 lib = Blake3TestSupport.nativeLib();
      NativeBlake3Hasher h = lib.newHasher();
      long live = NativeBlake3.liveStates();
      h.close();
      assertEquals(live - 1, NativeBlake3.liveStates());
      h.close();
      assertEquals(live - 1, NativeBlake3.liveStates());
    }
  }

  @Nested
  class Facade extends Contract {
    @Override
    Blake3Hasher newHasher() {
      return Blake3.newHasher();
    }

    @Override
    BlobRef hash(byte[] data, int off, int len) {
      return Blake3.hash(data, off, len);
    }

    @Override
    BlobRef hash(ByteBuffer data) {
      return Blake3.hash(data);
    }

    @Test
    void streamsHashLikeArrays() throws IOException {
      byte[] data = new byte[Blake3.READ_SIZE * 2 + 77];
      new Random(3).nextBytes(data);
      // A stream that returns short reads, like a pipe.
      InputStream trickle =
          new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
              return super.read(b, off, Math.min(len, 1 + (pos % 50_000)));
            }
          };
      assertEquals(reference(data), Blake3.hash(trickle));
      assertEquals(
          reference(data), Blake3.hash(Channels.newChannel(new ByteArrayInputStream(data))));
      assertEquals(reference(new byte[0]), Blake3.hash(new ByteArrayInputStream(new byte[0])));
    }

    @Test
    void onThisMachineTheFacadeIsNative() {
      Blake3TestSupport.requireOrSkipOffCi(
          Blake3.isNative(), "native BLAKE3 in the facade (" + Blake3.implementation() + ")");
      assertTrue(Blake3.implementation().startsWith("native"), Blake3.implementation());
    }
  }
}
