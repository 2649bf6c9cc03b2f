package org.latticefs.bench.fs;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import jnr.ffi.Pointer;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.latticefs.fs.fuse.FuseMount;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * Serves a {@link PassthroughTree} through jnr-fuse: what a Java FUSE filesystem on jnr-fuse and
 * libfuse2 can do at best on this machine (the floor under Lattice's own costs), next to bindfs, a
 * C passthrough on the same libfuse2. Bytes cross between jnr-fuse's buffer and the file through a
 * Java array, as a plain jnr-fuse filesystem does. Not a product: a measuring stick.
 *
 * <p>{@code main(SRC, MNT)}: mounts SRC at MNT with Lattice's mount options, prints {@code
 * MOUNTED}, serves until stdin closes, then unmounts.
 */
public final class PassthroughFs extends JnrTreeFs {
  private final PassthroughTree tree;

  PassthroughFs(PassthroughTree tree) {
    super(tree);
    this.tree = tree;
  }

  public static void main(String[] args) throws Exception {
    JnrServer.serve(
        new PassthroughFs(new PassthroughTree(Path.of(args[0]))),
        Path.of(args[1]),
        FuseMount.DEFAULT_OPTIONS);
  }

  @Override
  public int read(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    ByteBuffer b = ByteBuffer.allocate((int) size);
    int n = tree.read(fi.fh.get(), b, offset);
    if (n > 0) {
      buf.put(0, b.array(), 0, n);
    }
    return n;
  }

  @Override
  public int write(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    byte[] b = new byte[(int) size];
    buf.get(0, b, 0, b.length);
    return tree.write(fi.fh.get(), ByteBuffer.wrap(b), offset);
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    return tree.fsync(fi.fh.get(), isdatasync != 0);
  }
}
