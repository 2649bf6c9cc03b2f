package org.latticefs.bench.fs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.latticefs.fs.fuse.FuseMount;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * Serves a {@link MemoryTree} through jnr-fuse: the ceiling of jnr-fuse and libfuse2 on this
 * machine, with no disk and no Lattice code under it. Not a product: a measuring stick, like {@link
 * PassthroughFs}.
 *
 * <p>{@code main([none] MNT)}: mounts at MNT with Lattice's mount options (plus the {@code -o} list
 * in the system property {@code memoryfs.options}, if set), prints {@code MOUNTED}, serves until
 * stdin closes, then unmounts. With {@code -Dmemoryfs.discard=true} writes keep no bytes (see
 * {@link MemoryTree#MemoryTree(boolean)}).
 */
public final class MemoryFs extends JnrTreeFs {
  private final MemoryTree tree;

  MemoryFs(MemoryTree tree) {
    super(tree);
    this.tree = tree;
  }

  public static void main(String[] args) throws Exception {
    List<String> opts = new ArrayList<>(FuseMount.DEFAULT_OPTIONS);
    String extra = System.getProperty("memoryfs.options", "");
    if (!extra.isEmpty()) {
      opts.addAll(List.of("-o", extra));
    }
    JnrServer.serve(
        new MemoryFs(new MemoryTree(Boolean.getBoolean("memoryfs.discard"))),
        Path.of(args[args.length - 1]),
        opts);
  }

  @Override
  public int read(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return tree.read(fi.fh.get(), buf.address(), offset, (int) size);
  }

  @Override
  public int write(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return tree.write(fi.fh.get(), buf.address(), offset, (int) size);
  }
}
