package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;

/**
 * Files with holes, end to end: content made of data runs and hole runs goes in through an {@link
 * IngestSession} (written to a sparse source file, or pushed) or the manifest-level {@link
 * FileIngester#appendHole}, and must read back equal to a model, store no byte of a hole, and give
 * the manifest the model's extents give: each data run chunked on its own, each hole one entry.
 */
class HolesIngestTest {
  static final Chunker SMALL = ChunkerTest.SMALL;
  static final ManifestShape TINY = ManifestTreeTest.TINY;

  /** A run of the model: data ({@code bytes}) or a hole ({@code hole} zero bytes). */
  record Run(byte[] bytes, long hole) {
    long length() {
      return bytes != null ? bytes.length : hole;
    }

    static Run data(byte[] b) {
      return new Run(b, 0);
    }

    static Run hole(long n) {
      return new Run(null, n);
    }
  }

  @Provide
  Arbitrary<List<Run>> contents() {
    Arbitrary<Run> data =
        Arbitraries.integers()
            .between(1, 20_000)
            .flatMap(n -> Arbitraries.longs().map(seed -> Run.data(TestData.random(seed, n))));
    Arbitrary<Run> smallHole = Arbitraries.longs().between(1, 50_000).map(Run::hole);
    Arbitrary<Run> hugeHole = Arbitraries.longs().between(1L << 30, 1L << 36).map(Run::hole);
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, data),
            net.jqwik.api.Tuple.of(3, smallHole),
            net.jqwik.api.Tuple.of(1, hugeHole))
        .list()
        .ofMaxSize(12);
  }

  static long size(List<Run> runs) {
    return runs.stream().mapToLong(Run::length).sum();
  }

  static long holeBytes(List<Run> runs) {
    return runs.stream().filter(r -> r.bytes() == null).mapToLong(Run::hole).sum();
  }

  /** The model's byte at {@code pos}. */
  static byte byteAt(List<Run> runs, long pos) {
    for (Run r : runs) {
      if (pos < r.length()) {
        return r.bytes() == null ? 0 : r.bytes()[(int) pos];
      }
      pos -= r.length();
    }
    throw new IndexOutOfBoundsException();
  }

  /**
   * The manifest of the model: each stretch of data between holes (adjacent data runs are one
   * stretch) cut on its own, as if it were a file, and the holes between them.
   */
  static BlobRef expectedManifest(List<Run> runs) throws IOException {
    ManifestBuilder b = new ManifestBuilder(TINY, ManifestBuilder.NodeSink.hashOnly());
    java.io.ByteArrayOutputStream stretch = new java.io.ByteArrayOutputStream();
    for (Run r : runs) {
      if (r.bytes() != null) {
        stretch.write(r.bytes());
        continue;
      }
      addStretch(b, stretch);
      b.addHole(r.hole());
    }
    addStretch(b, stretch);
    return b.finish();
  }

  private static void addStretch(ManifestBuilder b, java.io.ByteArrayOutputStream stretch)
      throws IOException {
    List<Chunk> chunks = new ArrayList<>();
    SMALL.split(new ByteArrayInputStream(stretch.toByteArray()), chunks::add);
    for (Chunk c : chunks) {
      b.add(c.ref(), c.length());
    }
    stretch.reset();
  }

  /** A new sparse file, open for reading and writing. */
  static FileChannel newSparse(Path file) throws IOException {
    return FileChannel.open(
        file,
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.SPARSE,
        StandardOpenOption.READ,
        StandardOpenOption.WRITE);
  }

  /** Ingests the model through a session reading a sparse source file, in random steps. */
  static IngestResult throughASession(
      MapBlobStore store, Path file, List<Run> runs, long seed, boolean push) throws Exception {
    return throughASession(new FileIngester(store, SMALL, TINY), file, runs, seed, push);
  }

  static IngestResult throughASession(
      FileIngester ingester, Path file, List<Run> runs, long seed, boolean push) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    try (FileChannel ch = newSparse(file)) {
      IngestSession s = ingester.startSession(null, null, 0, ch, 4096, 0);
      if (push) {
        s.startPush(0);
      }
      long pos = 0;
      for (Run r : runs) {
        if (r.bytes() == null) {
          // A hole, sometimes in two calls: the same hole either way.
          long first =
              rnd.nextBoolean() && r.hole() > 1 ? 1 + rnd.nextLong(r.hole() - 1) : r.hole();
          s.appendHole(first);
          if (first < r.hole()) {
            s.appendHole(r.hole() - first);
          }
          pos += r.hole();
          continue;
        }
        int at = 0;
        while (at < r.bytes().length) {
          int n = Math.min(r.bytes().length - at, 1 + rnd.nextInt(8192));
          ByteBuffer piece = ByteBuffer.wrap(r.bytes(), at, n);
          if (push) {
            s.push(piece);
          } else {
            while (piece.hasRemaining()) {
              ch.write(piece, pos + at + (piece.position() - at));
            }
            s.advance(pos + at + n);
          }
          at += n;
        }
        pos += r.bytes().length;
      }
      IngestResult result = s.finish(pos);
      s.ended().toCompletableFuture().handle((x, e) -> null).join();
      return result;
    }
  }

  static void assertReadsBackAsTheModel(
      MapBlobStore store, BlobRef manifest, List<Run> runs, long seed) throws IOException {
    ManifestReader r = ManifestReader.open(store, manifest);
    long size = size(runs);
    assertEquals(size, r.size());
    assertEquals(size - holeBytes(runs), r.storedBytes());
    List<Long> probes = new ArrayList<>();
    long at = 0;
    for (Run run : runs) {
      probes.add(at);
      probes.add(Math.max(0, at - 100));
      probes.add(at + run.length() / 2);
      at += run.length();
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < 10 && size > 0; i++) {
      probes.add(rnd.nextLong(size));
    }
    for (long p : probes) {
      if (p >= size) {
        continue;
      }
      int n = (int) Math.min(size - p, 5000);
      ByteBuffer got = ByteBuffer.allocate(n);
      while (got.hasRemaining()) {
        assertTrue(r.read(p + got.position(), got) > 0);
      }
      byte[] want = new byte[n];
      for (int k = 0; k < n; k++) {
        want[k] = byteAt(runs, p + k);
      }
      assertArrayEquals(want, got.array(), "bytes at " + p);
    }
  }

  @Property(tries = 60)
  void sessionsWithHolesReadBackAsTheModelAndStoreNoHole(
      @ForAll("contents") List<Run> runs, @ForAll @LongRange(min = 0, max = 1000) long seed)
      throws Exception {
    for (boolean push : new boolean[] {false, true}) {
      MapBlobStore store = new MapBlobStore();
      Path dir = Files.createTempDirectory("holes");
      try {
        IngestResult got = throughASession(store, dir.resolve("src"), runs, seed, push);
        assertEquals(expectedManifest(runs), got.manifest(), "push " + push);
        assertEquals(size(runs), got.size());
        assertEquals(holeBytes(runs), got.holeBytes());
        assertEquals(size(runs) - holeBytes(runs), got.storedBytes());
        long dataBytes = size(runs) - holeBytes(runs);
        long chunkBytes = 0;
        for (byte[] b : store.blobs.values()) {
          chunkBytes += b.length;
        }
        assertTrue(
            chunkBytes <= dataBytes + 4096L * (1 + store.blobs.size()),
            "holes are never stored: " + chunkBytes + " stored for " + dataBytes + " of data");
        assertReadsBackAsTheModel(store, got.manifest(), runs, seed);
      } finally {
        deleteDir(dir);
      }
    }
  }

  @Property(tries = 60)
  void appendingAHoleToAManifestIsAnIngestOfTheContentThenTheHole(
      @ForAll("contents") List<Run> runs, @ForAll @LongRange(min = 1, max = 1L << 40) long hole)
      throws Exception {
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    Path dir = Files.createTempDirectory("holes");
    try {
      BlobRef before =
          runs.isEmpty()
              ? null
              : throughASession(store, dir.resolve("a"), runs, 1, false).manifest();
      IngestResult extended = ing.appendHole(store, before, hole);
      List<Run> after = new ArrayList<>(runs);
      after.add(Run.hole(hole));
      assertEquals(expectedManifest(after), extended.manifest());
      assertEquals(0, extended.bytesRead(), "no chunk read");
      assertEquals(size(after), extended.size());
      assertEquals(holeBytes(after), extended.holeBytes());
      assertReadsBackAsTheModel(store, extended.manifest(), after, 2);
    } finally {
      deleteDir(dir);
    }
  }

  /** The model's bytes {@code [from, to)}, as runs (cut runs at both ends). */
  static List<Run> slice(List<Run> runs, long from, long to) {
    List<Run> out = new ArrayList<>();
    long at = 0;
    for (Run r : runs) {
      long s = Math.max(from, at);
      long e = Math.min(to, at + r.length());
      if (e > s) {
        out.add(
            r.bytes() == null
                ? Run.hole(e - s)
                : Run.data(Arrays.copyOfRange(r.bytes(), (int) (s - at), (int) (e - at))));
      }
      at += r.length();
    }
    return out;
  }

  static List<Run> concat(List<Run> a, List<Run> b) {
    List<Run> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** Writes the data runs of {@code runs} where they are in the content; holes stay sparse. */
  static void writeSparse(FileChannel ch, List<Run> runs) throws IOException {
    long at = 0;
    for (Run r : runs) {
      if (r.bytes() != null) {
        ByteBuffer b = ByteBuffer.wrap(r.bytes());
        while (b.hasRemaining()) {
          ch.write(b, at + b.position());
        }
      }
      at += r.length();
    }
    if (ch.size() < at) {
      ch.truncate(at);
      // Extend to the full size without writing the trailing hole.
      ch.write(ByteBuffer.allocate(0), at);
      if (ch.size() < at) {
        ch.position(at - 1);
        ch.write(ByteBuffer.wrap(new byte[1]));
      }
    }
  }

  @Property(tries = 60)
  void aSessionKeepingAPrefixOfAVersionWithHolesGivesTheModelsManifest(
      @ForAll("contents") List<Run> old,
      @ForAll("contents") List<Run> tail,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long keepSeed)
      throws Exception {
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    Path dir = Files.createTempDirectory("keep");
    try {
      BlobRef oldManifest = throughASession(store, dir.resolve("old"), old, 1, false).manifest();
      long keep = size(old) == 0 ? 0 : keepSeed % (size(old) + 1);
      List<Run> model = concat(slice(old, 0, keep), tail);
      IngestResult got;
      try (FileChannel ch = newSparse(dir.resolve("new"))) {
        IngestSession s = ing.startSession(store, oldManifest, keep, ch, 4096, 0);
        long pos = keep;
        for (Run r : tail) {
          if (r.bytes() == null) {
            s.appendHole(r.hole());
          } else {
            ByteBuffer b = ByteBuffer.wrap(r.bytes());
            while (b.hasRemaining()) {
              ch.write(b, pos + b.position());
            }
            s.advance(pos + r.length());
          }
          pos += r.length();
        }
        got = s.finish(pos);
        s.ended().toCompletableFuture().handle((x, e) -> null).join();
      }
      assertEquals(expectedManifest(model), got.manifest(), "keep " + keep);
      assertReadsBackAsTheModel(store, got.manifest(), model, keepSeed);
    } finally {
      deleteDir(dir);
    }
  }

  @Property(tries = 80)
  void reingestAroundAnEditOfAVersionWithHolesGivesTheModelsManifest(
      @ForAll("contents") List<Run> old,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long at,
      @ForAll @LongRange(min = 0, max = 3000) long k,
      @ForAll @LongRange(min = 0, max = 2) long kind)
      throws Exception {
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    Path dir = Files.createTempDirectory("edit");
    try {
      BlobRef oldManifest = throughASession(store, dir.resolve("old"), old, 1, false).manifest();
      long size = size(old);
      long p = size == 0 ? 0 : at % (size + 1);
      List<Run> model;
      long changeStart = p;
      long changeEnd;
      long delta;
      byte[] written = TestData.random(at, (int) k);
      if (kind == 0) { // overwrite k bytes (within the file)
        long n = Math.min(k, size - p);
        written = Arrays.copyOf(written, (int) n);
        model =
            concat(
                concat(slice(old, 0, p), n == 0 ? List.of() : List.of(Run.data(written))),
                slice(old, p + n, size));
        changeEnd = p + n;
        delta = 0;
      } else if (kind == 1) { // insert k bytes
        model =
            concat(
                concat(slice(old, 0, p), k == 0 ? List.of() : List.of(Run.data(written))),
                slice(old, p, size));
        changeEnd = p + k;
        delta = k;
      } else { // delete up to k bytes
        long n = Math.min(k, size - p);
        model = concat(slice(old, 0, p), slice(old, p + n, size));
        changeEnd = p;
        delta = -n;
      }
      IngestResult got;
      try (FileChannel ch = newSparse(dir.resolve("new"))) {
        writeSparse(ch, model);
        got = ing.reingest(store, oldManifest, ch, changeStart, changeEnd, delta);
      }
      assertEquals(expectedManifest(model), got.manifest(), "edit " + kind + " at " + p);
      assertEquals(holeBytes(model), got.holeBytes());
      assertReadsBackAsTheModel(store, got.manifest(), model, at);
    } finally {
      deleteDir(dir);
    }
  }

  private static void deleteDir(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      for (Path p : s.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  @Test
  void aTerabyteSparseFileWithAFewSmallWritesStaysTinyAndItsHolesCostNoFetch() throws Exception {
    long tb = 1L << 40;
    byte[] w = TestData.random(5, 4096);
    List<Run> runs =
        List.of(
            Run.data(w), Run.hole(tb / 2), Run.data(w), Run.hole(tb / 2 - 3 * 4096L), Run.data(w));
    MapBlobStore store = new MapBlobStore();
    Path dir = Files.createTempDirectory("tb");
    try {
      IngestResult r =
          throughASession(new FileIngester(store), dir.resolve("sparse"), runs, 3, true);
      assertEquals(tb, r.size());
      assertEquals(3 * 4096, r.storedBytes());
      // With the default chunker a 4 KiB write is one chunk; the three are the same bytes: one
      // blob, plus the one leaf of the manifest.
      assertEquals(2, store.blobs.size());
      assertTrue(store.blobs.get(r.manifest()).length < 200, "a tiny manifest");
      ManifestReader reader = ManifestReader.open(store, r.manifest(), 0);
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      long fetches = store.fetches.get();
      reader.read(tb / 4, buf);
      assertEquals(fetches, store.fetches.get(), "reading inside a hole fetches nothing");
      assertTrue(Arrays.equals(new byte[1 << 20], buf.array()));
    } finally {
      deleteDir(dir);
    }
  }

  @Test
  void aHoleOnlyFileStoresOnlyItsManifest() throws Exception {
    MapBlobStore store = new MapBlobStore();
    IngestResult r =
        new FileIngester(store, SMALL, TINY).appendHole(store, null, 999_999_999_999_999L);
    assertEquals(999_999_999_999_999L, r.size());
    assertEquals(0, r.storedBytes());
    assertEquals(0, r.chunkCount());
    assertEquals(1, store.blobs.size());
    assertEquals(Blake3.hash(store.blobs.get(r.manifest())), r.manifest());
  }
}
