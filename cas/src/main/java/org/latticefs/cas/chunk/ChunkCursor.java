package org.latticefs.cas.chunk;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Walks a manifest tree's extents in file order, fetching manifest nodes lazily (never chunks), one
 * root-to-leaf path in memory at a time: {@link #next()} gives the chunks only (holes are skipped,
 * so consecutive chunks may leave gaps), {@link #nextExtent()} gives chunks and holes, without
 * gaps. Not thread-safe; create one per walk.
 */
public final class ChunkCursor {
  private record Frame(Manifest node, long base, int next) {}

  private final ManifestReader reader;
  private final Deque<Frame> stack = new ArrayDeque<>();

  /** An extent {@link #peekExtent} looked at and {@link #nextExtent} has not returned yet. */
  private Extent peeked;

  ChunkCursor(ManifestReader reader, long from) throws IOException {
    this.reader = reader;
    if (from < reader.size()) {
      Manifest node = reader.root();
      long base = 0;
      while (true) {
        int i = node.indexOf(from - base);
        if (node.isLeaf()) {
          stack.push(new Frame(node, base, i));
          break;
        }
        stack.push(new Frame(node, base, i + 1));
        long childBase = base + node.entryOffset(i);
        node = reader.node(node, i);
        base = childBase;
      }
    }
  }

  /** The next chunk (skipping holes), or null after the last. */
  public Chunk next() throws IOException {
    for (Extent e = nextExtent(); e != null; e = nextExtent()) {
      if (e instanceof Chunk c) {
        return c;
      }
    }
    return null;
  }

  /** The next chunk or hole, or null after the last. */
  public Extent nextExtent() throws IOException {
    if (peeked != null) {
      Extent e = peeked;
      peeked = null;
      return e;
    }
    while (!stack.isEmpty()) {
      Frame f = stack.pop();
      Manifest node = f.node();
      int i = f.next();
      if (i >= node.entryCount()) {
        continue;
      }
      stack.push(new Frame(node, f.base(), i + 1));
      long offset = f.base() + node.entryOffset(i);
      if (node.isHole(i)) {
        return new Hole(offset, node.entryLength(i));
      }
      if (node.isLeaf()) {
        return new Chunk(offset, node.entryLength(i), node.ref(i));
      }
      stack.push(new Frame(reader.node(node, i), offset, 0));
    }
    return null;
  }

  /** The extent {@link #nextExtent} will return next, without moving past it. */
  Extent peekExtent() throws IOException {
    if (peeked == null) {
      peeked = nextExtent();
    }
    return peeked;
  }
}
