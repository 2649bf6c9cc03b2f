package org.latticefs.cas.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;

/**
 * Random access to a file stored as a manifest tree.
 *
 * <p>{@link #open} fetches and checks the root node only. A read descends the tree by binary search
 * (one node per level) and fetches just the nodes and chunks the range touches; a hole reads as
 * zeros without any I/O. Recently used nodes and chunks are kept in small per-reader caches, so
 * sequential small reads do not fetch a chunk over and over.
 *
 * <h2>Errors</h2>
 *
 * Blob errors of the fetcher pass through ({@code BlobNotFoundException}, {@code
 * CorruptBlobException}, other {@code IOException}s). A tree whose nodes do not fit together (a
 * child of the wrong level, length or hole bytes, a chunk of the wrong length) is {@link
 * MalformedManifestException}. Nothing is returned from a node or chunk that failed a check.
 *
 * <h2>Concurrency</h2>
 *
 * Safe for concurrent use: many threads may read one file at once (the fs serves FUSE reads from
 * many threads). Two threads missing the same chunk at once may both fetch it. Holds no resources
 * beyond memory; there is nothing to close.
 */
public final class ManifestReader {
  /** Chunks kept by default: enough for a few interleaved sequential readers. */
  public static final int DEFAULT_CHUNK_CACHE = 4;

  private static final int NODE_CACHE = 64;

  private final BlobFetcher fetcher;
  private final BlobRef ref;
  private final Manifest root;
  private final Lru<Manifest> nodes = new Lru<>(NODE_CACHE);
  private final Lru<byte[]> chunks;

  private ManifestReader(BlobFetcher fetcher, BlobRef ref, Manifest root, int chunkCache) {
    this.fetcher = fetcher;
    this.ref = ref;
    this.root = root;
    this.chunks = new Lru<>(chunkCache);
  }

  /** Opens the file whose root manifest is {@code manifest}, with the default chunk cache. */
  public static ManifestReader open(BlobFetcher fetcher, BlobRef manifest) throws IOException {
    return open(fetcher, manifest, DEFAULT_CHUNK_CACHE);
  }

  /**
   * Opens the file whose root manifest is {@code manifest}.
   *
   * @param chunkCache how many chunks to keep in memory (0 for none)
   * @throws MalformedManifestException if the root is not a valid manifest
   */
  public static ManifestReader open(BlobFetcher fetcher, BlobRef manifest, int chunkCache)
      throws IOException {
    Objects.requireNonNull(fetcher, "fetcher");
    if (chunkCache < 0) {
      throw new IllegalArgumentException("chunkCache < 0");
    }
    return new ManifestReader(
        fetcher, manifest, decode(manifest, fetcher.fetch(manifest)), chunkCache);
  }

  /** The root manifest ref this reader was opened on. */
  public BlobRef ref() {
    return ref;
  }

  /** The file's length in bytes. */
  public long size() {
    return root.length();
  }

  /**
   * The bytes of the file that are stored in chunks: its size less its holes (for {@code st_blocks}
   * and {@code du}). Read from the root node alone. Chunks the file shares with other files, or
   * lists twice, are counted each time.
   */
  public long storedBytes() {
    return root.dataBytes();
  }

  /** The decoded root node. */
  public Manifest root() {
    return root;
  }

  /**
   * Copies file bytes from {@code pos} on into {@code dst}, until {@code dst} is full or the file
   * ends, advancing {@code dst}'s position.
   *
   * @return the number of bytes copied; -1 if {@code pos >= size()} and {@code dst} has room
   * @throws IllegalArgumentException if {@code pos < 0}
   */
  public int read(long pos, ByteBuffer dst) throws IOException {
    if (pos < 0) {
      throw new IllegalArgumentException("negative position " + pos);
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    long size = size();
    if (pos >= size) {
      return -1;
    }
    int total = 0;
    while (dst.hasRemaining() && pos < size) {
      Manifest node = root;
      long base = 0;
      int i = node.indexOf(pos);
      while (!node.isLeaf()) {
        base += node.entryOffset(i);
        node = node(node, i);
        i = node.indexOf(pos - base);
      }
      long chunkStart = base + node.entryOffset(i);
      int n;
      if (node.isHole(i)) {
        n = (int) Math.min(dst.remaining(), chunkStart + node.entryLength(i) - pos);
        putZeros(dst, n);
      } else {
        byte[] data = chunk(node.ref(i), node.entryLength(i));
        int off = (int) (pos - chunkStart);
        n = Math.min(dst.remaining(), data.length - off);
        dst.put(data, off, n);
      }
      pos += n;
      total += n;
    }
    return total;
  }

  private static final byte[] ZEROS = new byte[64 * 1024];

  private static void putZeros(ByteBuffer dst, int n) {
    while (n > 0) {
      int k = Math.min(n, ZEROS.length);
      dst.put(ZEROS, 0, k);
      n -= k;
    }
  }

  /**
   * The extents in file order, starting with the one holding byte {@code from}: see {@link
   * ChunkCursor#next()} (chunks only) and {@link ChunkCursor#nextExtent()} (chunks and holes).
   */
  public ChunkCursor chunks(long from) throws IOException {
    if (from < 0) {
      throw new IllegalArgumentException("negative position " + from);
    }
    return new ChunkCursor(this, from);
  }

  /** All extents in file order (see {@link #chunks(long)}). */
  public ChunkCursor chunks() throws IOException {
    return chunks(0);
  }

  /** Visits the tree depth-first in file order; see {@link TreeVisitor}. Fetches no chunks. */
  public void walk(TreeVisitor visitor) throws IOException {
    record Frame(Manifest node, long base, int next) {}
    Deque<Frame> stack = new ArrayDeque<>();
    if (!visitor.node(ref, root, 0)) {
      return;
    }
    stack.push(new Frame(root, 0, 0));
    while (!stack.isEmpty()) {
      Frame f = stack.pop();
      int i = f.next();
      Manifest node = f.node();
      if (i >= node.entryCount()) {
        continue;
      }
      stack.push(new Frame(node, f.base(), i + 1));
      long offset = f.base() + node.entryOffset(i);
      if (node.isHole(i)) {
        visitor.hole(new Hole(offset, node.entryLength(i)));
      } else if (node.isLeaf()) {
        visitor.chunk(new Chunk(offset, node.entryLength(i), node.ref(i)));
      } else {
        BlobRef r = node.ref(i);
        Manifest child = node(node, i);
        if (visitor.node(r, child, offset)) {
          stack.push(new Frame(child, offset, 0));
        }
      }
    }
  }

  /**
   * Calls {@code out} with every blob the tree reaches: each manifest node (before its children)
   * and each chunk, in file order. A chunk listed several times is reported each time; holes are
   * not blobs.
   */
  public void forEachBlob(BlobVisitor out) throws IOException {
    walk(
        new TreeVisitor() {
          @Override
          public boolean node(BlobRef nodeRef, Manifest node, long offset) throws IOException {
            out.blob(nodeRef);
            return true;
          }

          @Override
          public void chunk(Chunk chunk) throws IOException {
            out.blob(chunk.ref());
          }
        });
  }

  /** Receives the refs of {@link #forEachBlob}. */
  @FunctionalInterface
  public interface BlobVisitor {
    void blob(BlobRef ref) throws IOException;
  }

  /** Callbacks of {@link #walk}. */
  public interface TreeVisitor {
    /**
     * A manifest node covering the file from {@code offset}; return false to skip its subtree (e.g.
     * a garbage collector that has seen it before).
     */
    boolean node(BlobRef ref, Manifest node, long offset) throws IOException;

    /** A chunk listed by a leaf. */
    void chunk(Chunk chunk) throws IOException;

    /** A hole listed by a leaf (no blob). */
    default void hole(Hole hole) throws IOException {}
  }

  /** Child {@code i} of {@code parent}, fetched, decoded and checked against the parent entry. */
  Manifest node(Manifest parent, int i) throws IOException {
    BlobRef r = parent.ref(i);
    Manifest m = nodes.get(r);
    if (m == null) {
      m = decode(r, fetcher.fetch(r));
      nodes.put(r, m);
    }
    if (m.level() != parent.level() - 1
        || m.length() != parent.entryLength(i)
        || m.holeBytes() != parent.entryHoleBytes(i)) {
      throw new MalformedManifestException(
          "manifest node "
              + r
              + " (level "
              + m.level()
              + ", length "
              + m.length()
              + ", hole bytes "
              + m.holeBytes()
              + ") does not fit its parent's entry (level "
              + (parent.level() - 1)
              + ", length "
              + parent.entryLength(i)
              + ", hole bytes "
              + parent.entryHoleBytes(i)
              + ")");
    }
    return m;
  }

  private byte[] chunk(BlobRef r, long length) throws IOException {
    byte[] data = chunks.get(r);
    if (data == null) {
      data = fetcher.fetch(r);
      chunks.put(r, data);
    }
    if (data.length != length) {
      throw new MalformedManifestException(
          "chunk " + r + " is " + data.length + " bytes but the manifest says " + length);
    }
    return data;
  }

  private static Manifest decode(BlobRef r, byte[] bytes) throws MalformedManifestException {
    try {
      return Manifest.decode(bytes);
    } catch (MalformedManifestException e) {
      MalformedManifestException x =
          new MalformedManifestException("blob " + r + ": " + e.getMessage());
      x.initCause(e);
      throw x;
    }
  }

  /** A tiny synchronized LRU map. */
  private static final class Lru<V> {
    private final int capacity;
    private final LinkedHashMap<BlobRef, V> map;

    Lru(int capacity) {
      this.capacity = capacity;
      this.map =
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<BlobRef, V> eldest) {
              return size() > Lru.this.capacity;
            }
          };
    }

    synchronized V get(BlobRef k) {
      return map.get(k);
    }

    synchronized void put(BlobRef k, V v) {
      if (capacity > 0) {
        map.put(k, v);
      }
    }
  }
}
