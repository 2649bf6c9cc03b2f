package org.latticefs.bench.jfuse;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;
import org.latticefs.bench.fs.PassthroughTree;

/**
 * Serves a {@link PassthroughTree} through jfuse, the counterpart of the jnr-fuse {@code
 * org.latticefs.bench.fs.PassthroughFs} over the same tree. Reads and writes go through the direct
 * {@link ByteBuffer} jfuse hands over (FUSE's own buffer), so no byte[] copy.
 */
final class JfusePassthrough extends JfuseTree {
  private final PassthroughTree tree;

  JfusePassthrough(Errno errno, PassthroughTree tree) {
    super(errno, tree);
    this.tree = tree;
  }

  @Override
  public Set<Operation> supportedOperations() {
    EnumSet<Operation> ops = common();
    ops.add(Operation.FSYNC);
    return ops;
  }

  @Override
  public int read(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    return tree.read(fi.getFh(), buf, offset);
  }

  @Override
  public int write(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    return tree.write(fi.getFh(), buf, offset);
  }

  @Override
  public int fsync(String path, int datasync, FileInfo fi) {
    return tree.fsync(fi.getFh(), datasync != 0);
  }
}
