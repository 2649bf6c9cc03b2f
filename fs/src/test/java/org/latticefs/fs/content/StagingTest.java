package org.latticefs.fs.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingTest {
  @TempDir Path dir;
  private static final long BUDGET = org.latticefs.fs.FsConfig.DEFAULT_STAGING_MEMORY_BYTES;
  private final Staging.Budget budget = new Staging.Budget(BUDGET);

  @Test
  void smallWritesStayInMemoryAndLeaveNoFile() throws IOException {
    Path p = dir.resolve("a.stage");
    try (Staging s = new Staging(p, budget)) {
      s.write(ByteBuffer.wrap(bytes(1000, 1)), 0);
      s.write(ByteBuffer.wrap(bytes(10, 2)), Staging.MEMORY_LIMIT - 10);
      assertFalse(s.inFile());
      assertFalse(Files.exists(p));
      assertArrayEquals(bytes(1000, 1), read(s, 0, 1000));
      assertArrayEquals(bytes(10, 2), read(s, Staging.MEMORY_LIMIT - 10, 10));
    }
    assertFalse(Files.exists(p));
  }

  @Test
  void aWritePastTheLimitMovesEverythingToTheFile() throws IOException {
    Path p = dir.resolve("b.stage");
    try (Staging s = new Staging(p, budget)) {
      s.write(ByteBuffer.wrap(bytes(5000, 3)), 100);
      long before = budget.used();
      s.write(ByteBuffer.wrap(bytes(10, 4)), Staging.MEMORY_LIMIT);
      assertTrue(s.inFile());
      assertTrue(budget.used() < before, "memory given back");
      assertArrayEquals(bytes(5000, 3), read(s, 100, 5000));
      assertArrayEquals(bytes(10, 4), read(s, Staging.MEMORY_LIMIT, 10));
      assertEquals(p, s.file());
      assertEquals(Staging.MEMORY_LIMIT + 10, Files.size(p));
    }
    assertFalse(Files.exists(p), "close deletes the file");
  }

  @Test
  void fileForABackgroundReaderHoldsTheInMemoryBytes() throws IOException {
    Path p = dir.resolve("c.stage");
    try (Staging s = new Staging(p, budget)) {
      s.write(ByteBuffer.wrap(bytes(3000, 5)), 0);
      Path f = s.file();
      assertTrue(s.inFile());
      assertArrayEquals(bytes(3000, 5), Files.readAllBytes(f));
    }
  }

  @Test
  void whenTheBudgetIsSpentNewFilesStageOnDisk() throws IOException {
    long start = budget.used();
    List<Staging> held = new ArrayList<>();
    try {
      int i = 0;
      // Fill the budget they share with full-size in-memory stagings.
      while (budget.used() + Staging.MEMORY_LIMIT <= BUDGET) {
        Staging s = new Staging(dir.resolve("held-" + i++), budget);
        held.add(s);
        s.write(ByteBuffer.wrap(new byte[1]), Staging.MEMORY_LIMIT - 1);
        assertFalse(s.inFile());
      }
      Staging over = new Staging(dir.resolve("over"), budget);
      held.add(over);
      over.write(ByteBuffer.wrap(bytes(Staging.MEMORY_LIMIT, 6)), 0);
      assertTrue(over.inFile(), "no memory left: staged in a file");
      assertArrayEquals(bytes(Staging.MEMORY_LIMIT, 6), read(over, 0, Staging.MEMORY_LIMIT));
    } finally {
      for (Staging s : held) {
        s.close();
      }
    }
    assertEquals(start, budget.used());
  }

  /** Random writes, reads and truncations read back what a plain array model holds. */
  @Property(tries = 200)
  void behavesLikeAnArray(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int steps, @ForAll boolean large)
      throws IOException {
    Random r = new Random(seed);
    int span = large ? 3 * Staging.MEMORY_LIMIT : Staging.MEMORY_LIMIT;
    byte[] model = new byte[span + 4096];
    int end = 0;
    // jqwik properties get no @TempDir.
    Path tmp = Files.createTempDirectory("staging-prop");
    Path p = tmp.resolve("prop.stage");
    try (Staging s = new Staging(p, budget)) {
      for (int k = 0; k < steps; k++) {
        int op = r.nextInt(4);
        if (op <= 1) {
          int pos = r.nextInt(span);
          byte[] b = bytes(1 + r.nextInt(4096), r.nextLong());
          s.write(ByteBuffer.wrap(b), pos);
          System.arraycopy(b, 0, model, pos, b.length);
          end = Math.max(end, pos + b.length);
        } else if (op == 2) {
          int size = r.nextInt(end + 1);
          s.truncate(size);
          Arrays.fill(model, size, model.length, (byte) 0);
          end = size;
        } else {
          int pos = r.nextInt(span);
          int n = r.nextInt(4096);
          assertArrayEquals(Arrays.copyOfRange(model, pos, pos + n), read(s, pos, n));
        }
      }
      assertArrayEquals(Arrays.copyOf(model, end), read(s, 0, end));
    } finally {
      assertFalse(Files.exists(p));
      Files.delete(tmp);
    }
  }

  private static byte[] read(Staging s, long pos, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    s.read(pos, b, n);
    assertEquals(n, b.position());
    return b.array();
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
