package org.latticefs.cas.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobReceiver;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.Futures;

/**
 * Turns file content into stored chunks plus a manifest tree, streaming.
 *
 * <h2>Holes</h2>
 *
 * Content read from a stream or a channel has none. Holes come in through {@link
 * IngestSession#appendHole} (content being written), {@link #appendHole} (a stored version made
 * longer by a hole, reading nothing), and the old version of {@link #reingest} and of a session
 * that keeps a prefix (its holes outside what changed stay holes). A hole ends a stretch of data as
 * the end of the content does.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>Bounded memory: a few blocks of {@code max(4 MiB, 4 x max chunk)} and one open manifest
 *       node per tree level, whatever the file size.
 *   <li>All chunks and manifest nodes of one ingest go through one {@link BlobBatch}, committed
 *       once: when a method returns, everything the returned manifest reaches is durable.
 *   <li>Deterministic and idempotent: the same content gives the same manifest ref; content already
 *       stored is not stored again (the receiver's no-op for present blobs).
 *   <li>{@link #reingest} gives exactly the manifest a full ingest of the new content would give
 *       (with the old version's holes outside the edit).
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * An ingest larger than one block (4 MiB) reads and chunks on a helper thread, and stores chunks
 * from {@link #DEFAULT_WRITERS} writer threads (each with its own batch, all committed before the
 * call returns), so reading, chunking, hashing and writing overlap. The threads live for one call
 * and are gone when it returns or throws. Callbacks run on the calling thread, in file order.
 * Instances are immutable and may be shared.
 */
public final class FileIngester {
  private final BlobReceiver receiver;
  private final Chunker chunker;
  private final ManifestShape shape;
  private final boolean pipelined;
  private final int writers;

  /**
   * Threads that hash and store chunks by default (each with its own batch): one core reads and
   * cuts, the others hash and write, up to 4. Measured on 2 cores (BENCHMARKS.md, "Chunking and
   * ingest"): one writer beside the reader beat two by 15-25 % in wall time and CPU, since a third
   * busy thread only adds switching.
   */
  public static final int DEFAULT_WRITERS =
      Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - 1));

  /** An ingester with the default chunker and manifest shape. */
  public FileIngester(BlobReceiver receiver) {
    this(receiver, Chunker.DEFAULT, ManifestShape.DEFAULT);
  }

  public FileIngester(BlobReceiver receiver, Chunker chunker, ManifestShape shape) {
    this(receiver, chunker, shape, true, DEFAULT_WRITERS);
  }

  private FileIngester(
      BlobReceiver receiver, Chunker chunker, ManifestShape shape, boolean pipelined, int writers) {
    this.receiver = Objects.requireNonNull(receiver, "receiver");
    this.chunker = Objects.requireNonNull(chunker, "chunker");
    this.shape = Objects.requireNonNull(shape, "shape");
    this.pipelined = pipelined;
    this.writers = writers;
  }

  /**
   * An ingester that stores nothing and only computes refs: the manifest ref a real ingest would
   * return (for {@code lattice-fs chunk}, like {@code ipfs add --only-hash}).
   */
  public static FileIngester hashOnly(Chunker chunker, ManifestShape shape) {
    return new FileIngester(new HashingReceiver(), chunker, shape);
  }

  /**
   * The same ingester with everything on the calling thread: no reader thread, no writer threads
   * (for measurements, and for callers that must not start threads).
   */
  public FileIngester singleThreaded() {
    return new FileIngester(receiver, chunker, shape, false, 1);
  }

  /**
   * The same ingester storing the chunks of large inputs from {@code n} threads, each with its own
   * {@link BlobBatch} (all committed before an ingest returns). 1 stores them on the calling
   * thread.
   */
  public FileIngester withWriters(int n) {
    if (n < 1 || n > 16) {
      throw new IllegalArgumentException("writers must be 1..16, got " + n);
    }
    return new FileIngester(receiver, chunker, shape, pipelined, n);
  }

  /**
   * The same ingester storing through {@code other} (for example a {@link org.latticefs.cas.Hold}'s
   * receiver, so that what one ingest stores stays held until it is referenced).
   */
  public FileIngester withReceiver(BlobReceiver other) {
    return new FileIngester(other, chunker, shape, pipelined, writers);
  }

  /** Where this ingester stores. */
  public BlobReceiver receiver() {
    return receiver;
  }

  public Chunker chunker() {
    return chunker;
  }

  public ManifestShape shape() {
    return shape;
  }

  /** Ingests everything {@code in} yields until end of stream. The caller closes {@code in}. */
  public IngestResult ingest(InputStream in) throws IOException {
    return ingest(in, c -> {});
  }

  /**
   * Ingests everything {@code in} yields, reporting each chunk (offset, length, ref) in order as it
   * is stored. The caller closes {@code in}.
   */
  public IngestResult ingest(InputStream in, Consumer<Chunk> onChunk) throws IOException {
    return run(builder -> ChunkSource.Input.of(in), ChunkSource.bufferSize(chunker), 0, onChunk);
  }

  /**
   * Ingests {@code ch} from byte 0 to its end, with positional reads (the channel's position is not
   * used or changed). The caller closes {@code ch}.
   */
  public IngestResult ingest(FileChannel ch) throws IOException {
    return run(
        builder -> ChunkSource.Input.of(ch, 0),
        ChunkSource.bufferSize(chunker, ch.size()),
        0,
        c -> {});
  }

  /**
   * Where an ingest starts: adds the chunks it keeps from an earlier version to {@code builder}
   * (none for a fresh ingest) and returns the input from the first byte after them.
   */
  @FunctionalInterface
  interface Start {
    ChunkSource.Input begin(ManifestBuilder builder) throws IOException;
  }

  /**
   * Starts an ingest of content that is still being written, from its first byte: see {@link
   * IngestSession}. The session reads {@code source} with positional reads, only below what it has
   * been told is final; the caller closes {@code source} once {@link IngestSession#ended()}
   * completes.
   */
  public IngestSession startSession(FileChannel source) {
    return startSession(null, null, 0, source);
  }

  /**
   * Starts an ingest of a new version that keeps the first {@code keep} bytes of an old one and is
   * being appended to: the new content is {@code old[0, keep)} followed by {@code source[keep,
   * ...)} (at the same offsets; what {@code source} holds below {@code keep} is never read). Old
   * chunks that end at or before {@code keep} (except the old last chunk) are kept without being
   * read; chunking restarts at the first old chunk that does not, whose bytes below {@code keep}
   * are read from the old version through {@code oldTree}. The result equals a full ingest of the
   * new content when the old manifest was made with this ingester's chunker and shape (see {@link
   * #reingest}).
   *
   * @param oldTree fetches the old manifest nodes and the one old chunk that is re-cut
   * @param oldManifest the old version, or null (then {@code keep} must be 0)
   * @param keep how many leading bytes of the old version the new one keeps; at most its size
   */
  public IngestSession startSession(
      BlobFetcher oldTree, BlobRef oldManifest, long keep, FileChannel source) {
    return startSession(
        oldTree,
        oldManifest,
        keep,
        source,
        ChunkSource.bufferSize(chunker),
        IngestSession.DEFAULT_COMMIT_EVERY);
  }

  /**
   * {@link #startSession(BlobFetcher, BlobRef, long, FileChannel)} with a chosen block size and
   * interval between background commits.
   */
  IngestSession startSession(
      BlobFetcher oldTree,
      BlobRef oldManifest,
      long keep,
      FileChannel source,
      int blockSize,
      long commitEvery) {
    Objects.requireNonNull(source, "source");
    if (keep < 0 || (oldManifest == null && keep != 0)) {
      throw new IllegalArgumentException("keep " + keep + " without an old version to keep from");
    }
    IngestSession s =
        new IngestSession(
            this,
            oldTree,
            oldManifest,
            keep,
            source,
            blockSize,
            commitEvery,
            IngestSession.DEFAULT_IDLE_NANOS,
            System::nanoTime);
    s.start();
    return s;
  }

  /**
   * Runs an ingest from {@code start}; the caller's thread builds the manifest.
   *
   * @param commitEvery with a positive value, the chunk batches are also committed after about
   *     every that many bytes, in the background (so a long ingest's data is written out while it
   *     runs, not all at the end); a failed one fails the ingest. 0 commits once, at the end.
   */
  IngestResult run(Start start, int bufferSize, long commitEvery, Consumer<Chunk> onChunk)
      throws IOException {
    ChunkWriters[] writerPool = {null};
    try (BlobBatch batch = receiver.newBatch()) {
      ManifestBuilder builder = new ManifestBuilder(shape, ManifestBuilder.NodeSink.of(batch));
      ChunkSource.Input input = start.begin(builder);
      long restart = builder.length();
      int blocks = pipelined ? 3 : 1;
      ChunkSource source = new ChunkSource(chunker, input, bufferSize, blocks, restart);
      long[] received = {0};
      long[] read = {0};
      long[] uncommitted = {0};
      ChunkPipeline.BlockHandler handler =
          b -> {
            byte[] buf = b.buf();
            int n = b.count();
            if (commitEvery > 0 && uncommitted[0] >= commitEvery) {
              if (writerPool[0] != null) {
                writerPool[0].commitInBackground();
              } else {
                batch.commit();
              }
              uncommitted[0] = 0;
            }
            int blockBytes = n == 0 ? 0 : b.ends()[n - 1];
            uncommitted[0] += blockBytes;
            read[0] += blockBytes;
            // A second block means a large input: from here on, store from several threads.
            if (b.offset() > restart && writers > 1 && writerPool[0] == null) {
              writerPool[0] = new ChunkWriters(receiver, writers);
            }
            ChunkWriters w = writerPool[0];
            List<Future<BlobRef>> refs = w == null ? null : new ArrayList<>(n);
            if (w != null) {
              for (int k = 0; k < n; k++) {
                int s = b.start(k);
                refs.add(w.receive(k, buf, s, b.ends()[k] - s));
              }
            }
            for (int k = 0; k < n; k++) {
              int s = b.start(k);
              int len = b.ends()[k] - s;
              BlobRef ref = w == null ? batch.receive(buf, s, len) : Futures.await(refs.get(k));
              builder.add(ref, len);
              received[0]++;
              onChunk.accept(new Chunk(b.offset() + s, len, ref));
            }
            if (b.hole() > 0) {
              builder.addHole(b.hole());
            }
            return true;
          };
      ChunkPipeline.drive(source, handler, pipelined);
      BlobRef root = builder.finish();
      if (writerPool[0] != null) {
        writerPool[0].commit();
      }
      batch.commit();
      return result(root, builder, read[0], received[0]);
    } finally {
      if (writerPool[0] != null) {
        writerPool[0].close();
      }
    }
  }

  /**
   * The manifest of an old version followed by a hole of {@code holeLength} zero bytes: what a
   * truncate that extends a file, or a write far past its end, makes of it, without reading a
   * chunk. The result equals an ingest of the old content followed by that hole (a hole ends a run
   * of data as the end of the file does, so the old chunks all stay). Old manifest nodes are
   * fetched through {@code oldTree} (every leaf is read); the new tree's nodes are stored in one
   * batch, durable on return.
   *
   * @param oldManifest the old version; null for an empty one
   * @throws IllegalArgumentException if {@code holeLength} is below 1 or the size would overflow
   */
  public IngestResult appendHole(BlobFetcher oldTree, BlobRef oldManifest, long holeLength)
      throws IOException {
    if (holeLength < 1) {
      throw new IllegalArgumentException("a hole of " + holeLength + " bytes");
    }
    try (BlobBatch batch = receiver.newBatch()) {
      ManifestBuilder builder = new ManifestBuilder(shape, ManifestBuilder.NodeSink.of(batch));
      if (oldManifest != null) {
        ChunkCursor old = ManifestReader.open(oldTree, oldManifest, 0).chunks();
        addExtents(builder, old.nextExtent(), old);
      }
      if (holeLength > Long.MAX_VALUE - builder.length()) {
        throw new IllegalArgumentException(
            "a hole of " + holeLength + " bytes after " + builder.length());
      }
      builder.addHole(holeLength);
      BlobRef root = builder.finish();
      batch.commit();
      return result(root, builder, 0, 0);
    }
  }

  /** Adds {@code first} and every extent after it in {@code rest} to {@code builder}, unread. */
  private static void addExtents(ManifestBuilder builder, Extent first, ChunkCursor rest)
      throws IOException {
    for (Extent e = first; e != null; e = rest.nextExtent()) {
      if (e instanceof Chunk c) {
        builder.add(c.ref(), c.length());
      } else {
        builder.addHole(e.length());
      }
    }
  }

  private static IngestResult result(
      BlobRef root, ManifestBuilder builder, long bytesRead, long chunksReceived) {
    return new IngestResult(
        root,
        builder.length(),
        builder.chunkCount(),
        bytesRead,
        chunksReceived,
        builder.holeBytes());
  }

  /**
   * Re-ingests a file after an edit, reading only the chunks around it.
   *
   * <p>The new content must equal the old one outside the edit: {@code new[0, changeStart) ==
   * old[0, changeStart)} and {@code new[changeEnd, newSize) == old[changeEnd - sizeDelta,
   * oldSize)}. An insert of {@code k} bytes at {@code p} is {@code (p, p + k, +k)}; a deletion of
   * {@code k} bytes at {@code p} is {@code (p, p, -k)}; an overwrite is {@code (p, p + k, 0)}.
   * Passing a wider range than the real edit is always safe, only slower.
   *
   * <p>The old version's holes outside the edit stay holes (they are not read from {@code
   * newContent}); inside it, {@code newContent} is read as data. Old extents that end before the
   * edit are kept (see {@link OldVersion}); chunking restarts there and stops at the first new cut
   * point (chunk or hole end) at or past {@code changeEnd} that is also an old extent boundary
   * (shifted by {@code sizeDelta}); the old extents from there on are kept without being read. The
   * result equals an ingest of the new content with those holes when the old manifest was made with
   * this ingester's chunker and shape (with others it still describes the new content exactly, but
   * may be cut differently); for a version without holes, a full {@link #ingest(FileChannel)} of
   * {@code newContent}. Old manifest nodes are fetched through {@code oldTree}; every leaf of the
   * old tree is read (chunks are not) and every node of the new tree is encoded and handed to the
   * store, which keeps the ones it already has.
   *
   * <p>The caller vouches for the range: content outside it is not read, so a range that misses a
   * real change yields a manifest of the wrong bytes.
   *
   * @throws IllegalArgumentException if the range or delta does not fit the old and new sizes
   */
  public IngestResult reingest(
      BlobFetcher oldTree,
      BlobRef oldManifest,
      FileChannel newContent,
      long changeStart,
      long changeEnd,
      long sizeDelta)
      throws IOException {
    ManifestReader old = ManifestReader.open(oldTree, oldManifest, 0);
    long newSize = newContent.size();
    long oldSize = old.size();
    if (newSize - oldSize != sizeDelta) {
      throw new IllegalArgumentException(
          "size delta " + sizeDelta + " but sizes went from " + oldSize + " to " + newSize);
    }
    if (changeStart < 0
        || changeStart > changeEnd
        || changeEnd > newSize
        || changeEnd - sizeDelta < changeStart) {
      throw new IllegalArgumentException(
          "change [" + changeStart + ", " + changeEnd + ") delta " + sizeDelta + " is invalid");
    }
    try (BlobBatch batch = receiver.newBatch()) {
      ManifestBuilder builder = new ManifestBuilder(shape, ManifestBuilder.NodeSink.of(batch));
      ChunkCursor oldExtents = old.chunks();
      Extent first = OldVersion.keepPrefix(builder, oldExtents, changeStart);
      long restart = builder.length();
      Join join = new Join(changeEnd, newSize, sizeDelta, oldExtents, first);
      ChannelWithHoles input =
          new ChannelWithHoles(
              newContent,
              restart,
              new KeptHoles(old.chunks(restart), restart, changeStart, changeEnd, sizeDelta));
      ChunkSource source =
          new ChunkSource(
              chunker,
              input,
              ChunkSource.bufferSize(chunker, Math.min(newSize - restart, 2L * chunker.maxSize())),
              1,
              restart);
      long[] received = {0};
      long[] read = {0};
      ChunkPipeline.BlockHandler handler =
          b -> {
            byte[] buf = b.buf();
            for (int k = 0; k < b.count(); k++) {
              int s = b.start(k);
              int len = b.ends()[k] - s;
              builder.add(batch.receive(buf, s, len), len);
              received[0]++;
              read[0] += len;
              if (join.at(b.offset() + b.ends()[k])) {
                return false;
              }
            }
            if (b.hole() > 0) {
              builder.addHole(b.hole());
              return !join.at(b.dataEnd() + b.hole());
            }
            return true;
          };
      ChunkPipeline.drive(source, handler, false);
      if (join.joined) {
        addExtents(builder, join.resume, oldExtents);
      }
      if (builder.length() != newSize) {
        throw new IOException(
            "file changed during re-ingest: chunked " + builder.length() + " of " + newSize);
      }
      BlobRef root = builder.finish();
      batch.commit();
      return result(root, builder, read[0], received[0]);
    }
  }

  /** Where a re-ingest's new cuts meet the old version's extent boundaries again. */
  private static final class Join {
    private final long changeEnd;
    private final long newSize;
    private final long delta;
    private final ChunkCursor old;

    /** The first old extent at or past the last boundary looked for. */
    Extent resume;

    boolean joined;

    Join(long changeEnd, long newSize, long delta, ChunkCursor old, Extent first) {
      this.changeEnd = changeEnd;
      this.newSize = newSize;
      this.delta = delta;
      this.old = old;
      this.resume = first;
    }

    /**
     * Whether the new content, cut at {@code end}, joins the old version there: past the change, at
     * an old extent boundary, whose extents from there on are the new content's too.
     */
    boolean at(long end) throws IOException {
      if (end < changeEnd || end >= newSize) {
        return false;
      }
      long oldPos = end - delta;
      while (resume != null && resume.offset() < oldPos) {
        resume = old.nextExtent();
      }
      joined = resume != null && resume.offset() == oldPos;
      return joined;
    }
  }

  /**
   * The holes of a re-ingest's new content, in order, from {@code from} on: the old version's holes
   * outside the change, those after it shifted by the size delta, each cut where the change starts
   * or ends.
   */
  private static final class KeptHoles implements ChannelWithHoles.Holes {
    private final ChunkCursor old;
    private final long from;
    private final long changeStart;
    private final long changeEnd;
    private final long delta;
    private Hole after;

    KeptHoles(ChunkCursor old, long from, long changeStart, long changeEnd, long delta) {
      this.old = old;
      this.from = from;
      this.changeStart = changeStart;
      this.changeEnd = changeEnd;
      this.delta = delta;
    }

    @Override
    public Hole next() throws IOException {
      if (after != null) {
        Hole h = after;
        after = null;
        return h;
      }
      for (Extent e = old.nextExtent(); e != null; e = old.nextExtent()) {
        if (!(e instanceof Hole h)) {
          continue;
        }
        // The part before the change (old and new offsets agree), and the part after it.
        Hole before = part(Math.max(h.offset(), from), Math.min(h.end(), changeStart));
        after = part(Math.max(h.offset() + delta, Math.max(changeEnd, from)), h.end() + delta);
        if (before != null) {
          return before;
        }
        if (after != null) {
          Hole a = after;
          after = null;
          return a;
        }
      }
      return null;
    }

    private static Hole part(long start, long end) {
      return end > start ? new Hole(start, end - start) : null;
    }
  }
}
