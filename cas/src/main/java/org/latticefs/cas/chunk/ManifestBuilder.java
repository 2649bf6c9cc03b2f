package org.latticefs.cas.chunk;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;

/**
 * Builds a manifest tree from a file's extents (chunks and holes), streaming: extents are added in
 * order, each completed node is stored at once, and memory holds at most one open node per level.
 * The root ref depends only on the file's extents and the {@link ManifestShape}, never on how they
 * were fed: holes added one after another are one hole.
 *
 * <p>Not thread-safe. Use once: after {@link #finish()} the builder refuses more input.
 */
public final class ManifestBuilder {
  /** Where encoded nodes go; returns the ref of the bytes it was given. */
  @FunctionalInterface
  public interface NodeSink {
    BlobRef store(byte[] encodedNode) throws IOException;

    /** A sink that stores nodes in {@code batch}. */
    static NodeSink of(BlobBatch batch) {
      return b -> batch.receive(b, 0, b.length);
    }

    /** A sink that stores nothing and only computes refs. */
    static NodeSink hashOnly() {
      return Blake3::hash;
    }
  }

  private final ManifestShape shape;
  private final NodeSink sink;
  private final List<Level> levels = new ArrayList<>();
  private long chunks;
  private long length;
  private long holeBytes;

  /** A hole added and not yet listed: the next hole joins it, the next chunk or finish lists it. */
  private long pendingHole;

  private long nodesStored;
  private boolean finished;

  public ManifestBuilder(ManifestShape shape, NodeSink sink) {
    this.shape = shape;
    this.sink = sink;
    levels.add(new Level(0));
  }

  /** Appends a chunk of {@code length} bytes (1 to {@link Manifest#MAX_CHUNK_LENGTH}). */
  public void add(BlobRef chunk, long length) throws IOException {
    checkOpen();
    if (length < 1 || length > Manifest.MAX_CHUNK_LENGTH) {
      throw new IllegalArgumentException("chunk length " + length);
    }
    this.length = Math.addExact(this.length, length);
    listPendingHole();
    chunks++;
    push(0, chunk, length, 0);
  }

  /**
   * Appends a hole of {@code length} zero bytes (at least 1): listed, never stored. A hole right
   * after another is the same hole made longer.
   */
  public void addHole(long length) throws IOException {
    checkOpen();
    if (length < 1) {
      throw new IllegalArgumentException("hole length " + length);
    }
    this.length = Math.addExact(this.length, length);
    holeBytes += length;
    pendingHole += length;
  }

  /** Chunks added so far. */
  public long chunkCount() {
    return chunks;
  }

  /** File bytes added so far, chunks and holes. */
  public long length() {
    return length;
  }

  /** Bytes added as holes so far. */
  public long holeBytes() {
    return holeBytes;
  }

  /** Manifest nodes handed to the sink so far (including ones it already held). */
  public long nodeCount() {
    return nodesStored;
  }

  /**
   * Stores the remaining open nodes and returns the root ref. An empty list gives the empty leaf.
   */
  public BlobRef finish() throws IOException {
    checkOpen();
    listPendingHole();
    finished = true;
    for (int k = 0; ; k++) {
      Level lv = levels.get(k);
      boolean top = k == levels.size() - 1;
      if (top && !lv.closedAny) {
        if (lv.count == 1 && k > 0) {
          return BlobRef.of(lv.refs, 0);
        }
        return close(lv);
      }
      if (lv.count > 0) {
        BlobRef ref = close(lv);
        push(k + 1, ref, lv.lastClosedLength, lv.lastClosedHoles);
      }
    }
  }

  private void checkOpen() {
    if (finished) {
      throw new IllegalStateException("builder already finished");
    }
  }

  private void listPendingHole() throws IOException {
    if (pendingHole > 0) {
      long h = pendingHole;
      pendingHole = 0;
      push(0, null, h, h);
    }
  }

  /** Appends an entry to level {@code k}: a hole when {@code ref} is null (level 0 only). */
  private void push(int k, BlobRef ref, long len, long holes) throws IOException {
    if (k > Manifest.MAX_LEVEL) {
      throw new IllegalStateException("manifest tree deeper than " + Manifest.MAX_LEVEL);
    }
    if (k == levels.size()) {
      levels.add(new Level(k));
    }
    Level lv = levels.get(k);
    lv.append(ref, len, holes);
    if (shape.endsAfter(lv.count, lv.refs, (lv.count - 1) * BlobRef.LENGTH, ref == null)) {
      BlobRef node = close(lv);
      push(k + 1, node, lv.lastClosedLength, lv.lastClosedHoles);
    }
  }

  private BlobRef close(Level lv) throws IOException {
    Manifest m =
        Manifest.ofTrusted(
            lv.level,
            Arrays.copyOf(lv.refs, lv.count * BlobRef.LENGTH),
            Arrays.copyOf(lv.offsets, lv.count + 1),
            lv.holeBytes == 0 ? null : Arrays.copyOf(lv.holes, lv.count));
    BlobRef ref = sink.store(m.encode());
    nodesStored++;
    lv.lastClosedLength = m.length();
    lv.lastClosedHoles = m.holeBytes();
    lv.closedAny = true;
    lv.count = 0;
    lv.holeBytes = 0;
    return ref;
  }

  private static final class Level {
    final int level;
    byte[] refs = new byte[64 * BlobRef.LENGTH];
    long[] offsets = new long[65];
    long[] holes = new long[64];
    int count;
    long holeBytes;
    boolean closedAny;
    long lastClosedLength;
    long lastClosedHoles;

    Level(int level) {
      this.level = level;
    }

    void append(BlobRef ref, long len, long holeLen) {
      if (count == offsets.length - 1) {
        refs = Arrays.copyOf(refs, refs.length * 2);
        offsets = Arrays.copyOf(offsets, offsets.length * 2 - 1);
        holes = Arrays.copyOf(holes, holes.length * 2);
      }
      if (ref != null) {
        ref.copyTo(refs, count * BlobRef.LENGTH);
      } else {
        Arrays.fill(refs, count * BlobRef.LENGTH, (count + 1) * BlobRef.LENGTH, (byte) 0);
      }
      offsets[count + 1] = Math.addExact(offsets[count], len);
      holes[count] = holeLen;
      holeBytes += holeLen;
      count++;
    }
  }
}
