package org.latticefs.bench.jfuse;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;
import org.latticefs.bench.fs.MemoryTree;

/**
 * Serves a {@link MemoryTree} through jfuse: the ceiling of jfuse and libfuse3 here, the
 * counterpart of the jnr-fuse {@code org.latticefs.bench.fs.MemoryFs} over the same tree. Bytes
 * move by native address between the tree's blocks and the buffer jfuse hands over.
 */
final class JfuseMemory extends JfuseTree {
  private final MemoryTree tree;

  JfuseMemory(Errno errno, MemoryTree tree) {
    super(errno, tree);
    this.tree = tree;
  }

  @Override
  public int read(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    return tree.read(fi.getFh(), MemorySegment.ofBuffer(buf).address(), offset, (int) count);
  }

  @Override
  public int write(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    return tree.write(fi.getFh(), MemorySegment.ofBuffer(buf).address(), offset, (int) count);
  }
}
