package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.latticefs.fs.core.FsFixture.ME;
import static org.latticefs.fs.core.FsFixture.O_RDWR;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.latticefs.fs.inode.Inode;

/**
 * Random writes, truncates, reads and commits of one file against {@link SparseFileModel}, with
 * offsets from a few bytes to a tebibyte so that most files are mostly holes: every read returns
 * the model's bytes (zeros in holes), every commit keeps them, and a committed file's {@code
 * st_blocks} counts exactly the bytes that are data.
 */
class SparseFileProperties {
  sealed interface Action permits Write, Truncate, Read, Commit, Reopen {}

  record Write(long pos, int length, long seed) implements Action {}

  record Truncate(long size) implements Action {}

  record Read(long pos, int length) implements Action {}

  record Commit() implements Action {}

  record Reopen() implements Action {}

  @Property(tries = 60)
  void aSparseFileReadsAndStoresAsItsModelSays(@ForAll("actions") List<Action> actions)
      throws IOException {
    Path staging = Files.createTempDirectory("sparse-prop");
    try (FsFixture f = new FsFixture(staging)) {
      LatticeFileSystem fs = f.fs;
      fs.mkdir("/p", 0755, ME);
      SparseFileModel model = new SparseFileModel();
      long fh = fs.create("/p/f", 0644, O_RDWR, ME);
      try {
        for (Action a : actions) {
          if (a instanceof Write w) {
            byte[] data = FsFixture.random(w.length(), w.seed());
            f.write(fh, w.pos(), data);
            model.write(w.pos(), data);
          } else if (a instanceof Truncate t) {
            fs.ftruncate(fh, t.size());
            model.truncate(t.size());
          } else if (a instanceof Read r) {
            assertArrayEquals(
                model.read(r.pos(), r.length()), read(fs, fh, r.pos(), r.length()), a.toString());
          } else if (a instanceof Commit) {
            fs.flush(fh);
            model.committed(Inode.MAX_INLINE);
            checkCommitted(fs, model);
          } else {
            fs.release(fh);
            model.committed(Inode.MAX_INLINE);
            checkCommitted(fs, model);
            fh = fs.open("/p/f", O_RDWR);
          }
          assertEquals(model.size(), fs.getattr(fh).size());
        }
      } finally {
        fs.release(fh);
      }
      model.committed(Inode.MAX_INLINE);
      checkCommitted(fs, model);
    } finally {
      try (var left = Files.list(staging)) {
        for (Path p : (Iterable<Path>) left::iterator) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(staging);
    }
  }

  private static void checkCommitted(LatticeFileSystem fs, SparseFileModel model)
      throws IOException {
    assertEquals(model.size(), fs.getattr("/p/f").size());
    assertEquals((model.dataBytes() + 511) / 512, fs.getattr("/p/f").blocks(), "st_blocks");
    long fh = fs.open("/p/f", FsFixture.O_RDONLY);
    try {
      long[] probes = {0, model.size() / 3, model.size() / 2, Math.max(0, model.size() - 70_000)};
      for (long p : probes) {
        assertArrayEquals(model.read(p, 70_000), read(fs, fh, p, 70_000), "at " + p);
      }
    } finally {
      fs.release(fh);
    }
  }

  private static byte[] read(LatticeFileSystem fs, long fh, long pos, int n) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining()) {
      if (fs.read(fh, pos + buf.position(), buf) <= 0) {
        break;
      }
    }
    return Arrays.copyOf(buf.array(), buf.position());
  }

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Long> offsets =
        Arbitraries.oneOf(
            Arbitraries.longs().between(0, 200_000),
            Arbitraries.longs().between((1L << 30) - 100_000, (1L << 30) + 100_000),
            Arbitraries.longs().between(1L << 40, (1L << 40) + 100_000));
    Arbitrary<Integer> lengths =
        Arbitraries.oneOf(
            Arbitraries.integers().between(1, 100), Arbitraries.integers().between(1, 70_000));
    Arbitrary<Action> write =
        Combinators.combine(offsets, lengths, Arbitraries.longs())
            .as((p, n, s) -> (Action) new Write(p, n, s));
    Arbitrary<Action> truncate = offsets.map(s -> (Action) new Truncate(s));
    Arbitrary<Action> read =
        Combinators.combine(offsets, lengths).as((p, n) -> (Action) new Read(p, n));
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, write),
            net.jqwik.api.Tuple.of(2, truncate),
            net.jqwik.api.Tuple.of(4, read),
            net.jqwik.api.Tuple.of(2, Arbitraries.just(new Commit())),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(new Reopen())))
        .list()
        .ofMinSize(1)
        .ofMaxSize(25);
  }
}
