package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Parallel signature checks give, entry for entry, what one thread gives. */
class SignatureBatchTest {
  private static final List<SignedEntry> VALID = valid(120);

  private static List<SignedEntry> valid(int n) {
    Random r = new Random(8);
    List<SignedEntry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(RandomEntries.signed(r));
    }
    return out;
  }

  private static SignedEntry broken(SignedEntry s, int bit) {
    byte[] sig = s.signature();
    sig[bit / 8 % 64] ^= (byte) (1 << (bit % 8));
    return new SignedEntry(s.entry(), s.encoded(), sig, s.hash());
  }

  @Property(tries = 60)
  void sameAnswersAsOneThread(
      @ForAll @IntRange(min = 0, max = 120) int size,
      @ForAll @IntRange(min = 1, max = 4) int threads,
      @ForAll long seed) {
    Random r = new Random(seed);
    List<SignedEntry> batch = new ArrayList<>(VALID.subList(0, size));
    boolean[] expected = new boolean[size];
    for (int i = 0; i < size; i++) {
      expected[i] = true;
      if (r.nextInt(10) == 0) {
        batch.set(i, broken(batch.get(i), r.nextInt(512)));
        expected[i] = false;
      }
    }
    int first = -1;
    for (int i = size - 1; i >= 0; i--) {
      first = expected[i] ? first : i;
    }
    SignatureBatch checker = new SignatureBatch(threads);
    assertArrayEquals(expected, checker.check(batch));
    assertEquals(first, checker.firstInvalid(batch));
  }

  @Test
  void manyCallersShareTheHelpers() throws Exception {
    SignatureBatch checker = new SignatureBatch(2);
    List<SignedEntry> batch = new ArrayList<>(VALID);
    batch.set(77, broken(batch.get(77), 3));
    ExecutorService callers = Executors.newFixedThreadPool(6);
    try {
      List<Future<Integer>> got = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        got.add(callers.submit(() -> checker.firstInvalid(batch)));
      }
      for (Future<Integer> f : got) {
        assertEquals(77, f.get());
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void atLeastOneThread() {
    assertThrows(IllegalArgumentException.class, () -> new SignatureBatch(0));
  }
}
