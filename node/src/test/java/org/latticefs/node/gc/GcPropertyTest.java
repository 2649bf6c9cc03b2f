package org.latticefs.node.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.NoSpaceLeftException;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.gc.PassReport;

/**
 * Random sequences of write, overwrite, delete, pin and unpin (of a file's current version, by
 * hash), a long write checkpointed while its file is open (with a collection pass in the middle)
 * and collection passes, on a small quota: a live, pinned or held blob is never removed (every file
 * and every pinned version reads back as the model says, the open file too), a pass leaves exactly
 * the blobs the files and pins need, a write whose data fits (garbage aside) succeeds (a pass frees
 * the garbage first), and one that does not fit fails with ENOSPC, the file keeping its last
 * committed version or a prefix of what was written before the error — never other bytes.
 */
class GcPropertyTest {
  static final long QUOTA = 16L << 20;
  static final long CHECKPOINT = 512L << 10;

  /** What manifests, chunk boundaries and reservations may add to a write beyond its bytes. */
  static final long MARGIN = 2L << 20;

  sealed interface Op permits Write, Delete, Checkpoint, Gc, Pin, Unpin {}

  record Write(int file, int size, long seed) implements Op {}

  record Delete(int file) implements Op {}

  record Checkpoint(int file, int size, long seed) implements Op {}

  record Gc() implements Op {}

  /** Pins a file's current version by its manifest hash. */
  record Pin(int file) implements Op {}

  /** Unpins the {@code n}-th pin (modulo their number). */
  record Unpin(int n) implements Op {}

  @Provide
  Arbitrary<Op> op() {
    Arbitrary<Integer> file = Arbitraries.integers().between(0, 4);
    Arbitrary<Long> seed = Arbitraries.longs();
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(
            6,
            net.jqwik.api.Combinators.combine(
                    file, Arbitraries.integers().between((64 << 10) + 1, 8 << 20), seed)
                .as(Write::new)),
        net.jqwik.api.Tuple.of(2, file.map(Delete::new)),
        net.jqwik.api.Tuple.of(
            1,
            net.jqwik.api.Combinators.combine(
                    file, Arbitraries.integers().between(9 << 20, 11 << 20), seed)
                .as(Checkpoint::new)),
        net.jqwik.api.Tuple.of(2, Arbitraries.just(new Gc())),
        net.jqwik.api.Tuple.of(2, file.map(Pin::new)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 7).map(Unpin::new)));
  }

  @Property(tries = 40, seed = "12")
  void collectionNeverLosesLiveOrHeldDataAndFreesWhatFits(
      @ForAll @Size(min = 6, max = 20) List<@net.jqwik.api.From("op") Op> ops) throws Exception {
    Path dir = Files.createTempDirectory(Path.of(tmpRoot()), "gcprop");
    Map<Integer, byte[]> model = new TreeMap<>();
    pinned.clear();
    try (GcHarness h = new GcHarness(dir, QUOTA, CHECKPOINT, 5)) {
      for (Op op : ops) {
        apply(h, model, op);
        check(h, model);
      }
      PassReport r = h.gc();
      assertTrue(r.swept());
      assertEquals(needed(h, model), h.present(), "only what the files need is left");
      net.jqwik.api.statistics.Statistics.label("passes freeing room for a write")
          .collect(h.service.stats().passes() > 0 ? "some" : "none");
      assertTrue(h.blobs.usedBytes() <= QUOTA);
    } finally {
      deleteTree(dir);
    }
  }

  /** Pinned manifests and their content (the pins of the current try). */
  private final Map<BlobRef, byte[]> pinned = new java.util.LinkedHashMap<>();

  static String tmpRoot() {
    return Files.isDirectory(Path.of("/dev/shm"))
        ? "/dev/shm"
        : System.getProperty("java.io.tmpdir");
  }

  private static String path(int file) {
    return "/s/f" + file;
  }

  /** Bytes the files and the pins need (a pin of a file's current version counted twice). */
  private long liveBytes(Map<Integer, byte[]> model) {
    return model.values().stream().mapToLong(b -> b.length).sum()
        + pinned.values().stream().mapToLong(b -> b.length).sum();
  }

  private void apply(GcHarness h, Map<Integer, byte[]> model, Op op) throws Exception {
    if (op instanceof Gc) {
      PassReport r = h.gc();
      assertTrue(r.swept(), r.problems().toString());
      assertEquals(needed(h, model), h.present(), "a pass leaves exactly what the files need");
    } else if (op instanceof Delete d) {
      if (model.remove(d.file()) != null) {
        h.fs.unlink(path(d.file()));
      }
    } else if (op instanceof Write w) {
      write(h, model, w.file(), GcHarness.bytes(w.seed(), w.size()), false);
    } else if (op instanceof Checkpoint c) {
      write(h, model, c.file(), GcHarness.bytes(c.seed(), c.size()), true);
    } else if (op instanceof Pin p) {
      byte[] content = model.get(p.file());
      if (content != null) {
        pinned.put(h.pin(path(p.file())), content);
      }
    } else if (op instanceof Unpin u && !pinned.isEmpty()) {
      BlobRef m = new java.util.ArrayList<>(pinned.keySet()).get(u.n() % pinned.size());
      h.unpin(m);
      pinned.remove(m);
    }
  }

  /**
   * Writes {@code data} over file {@code file}; with {@code checkpoint}, runs a pass when 9 MiB are
   * written (the file open, its first part checkpointed and held) and checks that part reads back.
   */
  private void write(
      GcHarness h, Map<Integer, byte[]> model, int file, byte[] data, boolean checkpoint)
      throws Exception {
    byte[] old = model.get(file);
    long passesBefore = h.service.stats().passes();
    long fits = liveBytes(model) + data.length + MARGIN;
    boolean mustFit = fits <= QUOTA;
    long written = 0;
    Exception failed = null;
    long fh;
    try {
      fh = h.fs.create(path(file), 0644, GcHarness.O_WRONLY | GcHarness.O_TRUNC, GcHarness.ME);
    } catch (IOException e) {
      if (!noSpace(e)) {
        throw e;
      }
      failed = e;
      fh = -1;
    }
    if (fh >= 0) {
      try {
        int split = checkpoint ? 9 << 20 : data.length;
        written = writeRange(h, fh, data, 0, split);
        if (checkpoint) {
          PassReport r = h.gc();
          assertTrue(r.swept());
          byte[] head = new byte[split];
          ByteBuffer b = ByteBuffer.wrap(head);
          while (b.hasRemaining()) {
            assertTrue(h.fs.read(fh, b.position(), b) > 0);
          }
          assertArrayEquals(Arrays.copyOf(data, split), head, "the open file's checkpoint");
          written += writeRange(h, fh, data, split, data.length);
        }
      } catch (IOException e) {
        if (!noSpace(e)) {
          throw e;
        }
        failed = e;
      } finally {
        try {
          h.fs.release(fh);
        } catch (IOException e) {
          if (!noSpace(e)) {
            throw e;
          }
          if (failed == null) {
            failed = e;
          }
        }
      }
    }
    if (failed == null) {
      net.jqwik.api.statistics.Statistics.label("write")
          .collect(h.service.stats().passes() > passesBefore ? "fit after a pass" : "fit");
      model.put(file, data);
      return;
    }
    net.jqwik.api.statistics.Statistics.label("write").collect("ENOSPC");
    if (mustFit) {
      fail("ENOSPC although " + fits + " bytes fit the quota of " + QUOTA, failed);
    }
    // A version whose commit failed is saved beside the file (name.unsaved-TIME, see the
    // filesystem's UnsavedFiles): it holds only written bytes; the user here discards it.
    for (String name : h.fs.list("/s")) {
      if (name.startsWith("f" + file + ".unsaved-")) {
        byte[] saved = h.read("/s/" + name).orElseThrow();
        assertTrue(
            saved.length <= data.length && Arrays.equals(saved, Arrays.copyOf(data, saved.length)),
            "an unsaved copy holds what was written");
        h.fs.unlink("/s/" + name);
      }
    }
    // Not enough room: the file has its last committed version, or what was written before the
    // error (committed at close), never anything else.
    Optional<byte[]> now = h.read(path(file));
    if (now.isEmpty()) {
      assertEquals(null, old, "an existing file never disappears");
      model.remove(file);
      return;
    }
    byte[] got = now.get();
    boolean isOld = old != null && Arrays.equals(old, got);
    boolean isPrefix = got.length <= written && Arrays.equals(got, Arrays.copyOf(data, got.length));
    assertTrue(isOld || isPrefix, "after ENOSPC the file is its old version or a written prefix");
    model.put(file, got);
  }

  private static long writeRange(GcHarness h, long fh, byte[] data, int from, int to)
      throws IOException {
    int piece = 128 * 1024;
    long done = 0;
    for (int off = from; off < to; off += piece) {
      ByteBuffer b = ByteBuffer.wrap(data, off, Math.min(piece, to - off));
      while (b.hasRemaining()) {
        h.fs.write(fh, b.position(), b);
      }
      done += Math.min(piece, to - off);
    }
    return done;
  }

  static boolean noSpace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof NoSpaceLeftException
          || (t instanceof FsException f && f.errno() == Errno.ENOSPC)) {
        return true;
      }
    }
    return false;
  }

  private void check(GcHarness h, Map<Integer, byte[]> model) throws IOException {
    for (int f = 0; f <= 4; f++) {
      Optional<byte[]> got = h.read(path(f));
      byte[] want = model.get(f);
      if (want == null) {
        assertTrue(got.isEmpty(), path(f) + " should not exist");
      } else {
        assertTrue(got.isPresent(), path(f) + " is missing");
        assertArrayEquals(want, got.get(), path(f) + " reads back as written");
      }
    }
    for (Map.Entry<BlobRef, byte[]> p : pinned.entrySet()) {
      assertArrayEquals(p.getValue(), h.readManifest(p.getKey()), "pinned " + p.getKey());
    }
    assertTrue(h.blobs.usedBytes() <= QUOTA, "never over the quota");
  }

  private Set<BlobRef> needed(GcHarness h, Map<Integer, byte[]> model) throws IOException {
    Set<BlobRef> out = new HashSet<>();
    for (BlobRef m : pinned.keySet()) {
      out.add(m);
      org.latticefs.cas.chunk.ManifestReader.open(h.blobs, m).forEachBlob(out::add);
    }
    for (int f : model.keySet()) {
      out.addAll(h.tree(path(f)));
    }
    return out;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
