package org.latticefs.cas.chunk;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import org.latticefs.cas.BlobRef;

/**
 * Walks a manifest tree's chunks in file order, fetching manifest nodes lazily (never chunks), one
 * root-to-leaf path in memory at a time. Not thread-safe; create one per walk.
 */
public final class ChunkCursor {
  private record Frame(Manifest node, long base, int next) {}

  private final ManifestReader reader;
  private final Deque<Frame> stack = new ArrayDeque<>();

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

  /** The next chunk, or null after the last. */
  public Chunk next() throws IOException {
    while (!stack.isEmpty()) {
      Frame f = stack.pop();
      Manifest node = f.node();
      int i = f.next();
      if (i >= node.entryCount()) {
        continue;
      }
      stack.push(new Frame(node, f.base(), i + 1));
      long offset = f.base() + node.entryOffset(i);
      if (node.isLeaf()) {
        BlobRef ref = node.ref(i);
        return new Chunk(offset, node.entryLength(i), ref);
      }
      stack.push(new Frame(reader.node(node, i), offset, 0));
    }
    return null;
  }
}
