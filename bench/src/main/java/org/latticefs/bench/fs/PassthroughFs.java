package org.latticefs.bench.fs;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.latticefs.fs.fuse.FuseMount;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * Serves a {@link PassthroughTree} through jnr-fuse: what a Java FUSE filesystem on jnr-fuse and
 * libfuse2 can do at best on this machine (the floor under Lattice's own costs), next to bindfs, a
 * C passthrough on the same libfuse2. Bytes cross between jnr-fuse's buffer and the file through a
 * Java array, as a plain jnr-fuse filesystem does. Not a product: a measuring stick.
 *
 * <p>{@code main(SRC, MNT)}: mounts SRC at MNT with Lattice's mount options, prints {@code
 * MOUNTED}, serves until stdin closes, then unmounts.
 */
public final class PassthroughFs extends FuseStubFS {
  private final PassthroughTree tree;

  PassthroughFs(PassthroughTree tree) {
    this.tree = tree;
  }

  public static void main(String[] args) throws Exception {
    JnrServer.serve(
        new PassthroughFs(new PassthroughTree(Path.of(args[0]))),
        Path.of(args[1]),
        FuseMount.DEFAULT_OPTIONS);
  }

  @Override
  public int getattr(String path, FileStat stat) {
    return tree.stat(
        path,
        a -> {
          stat.st_mode.set(a.mode());
          stat.st_ino.set(a.ino());
          stat.st_nlink.set(a.nlink());
          stat.st_uid.set(a.uid());
          stat.st_gid.set(a.gid());
          stat.st_size.set(a.size());
          stat.st_blocks.set((a.size() + 511) / 512);
          MemoryFs.set(stat.st_mtim, a.mtime());
          MemoryFs.set(stat.st_atim, a.atime());
          MemoryFs.set(stat.st_ctim, a.ctime());
        });
  }

  private static int handle(long fhOrErrno, FuseFileInfo fi) {
    if (fhOrErrno < 0) {
      return (int) fhOrErrno;
    }
    fi.fh.set(fhOrErrno);
    return 0;
  }

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return handle(tree.create(path), fi);
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return handle(tree.open(path), fi);
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
  public int flush(String path, FuseFileInfo fi) {
    return 0;
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return tree.release(fi.fh.get());
  }

  @Override
  public int truncate(String path, @off_t long size) {
    return tree.truncate(path, 0, size);
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    return tree.setMtime(
        path, timespec[1].tv_sec.get() * 1_000_000_000L + timespec[1].tv_nsec.longValue());
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
    return tree.mkdir(path);
  }

  @Override
  public int rmdir(String path) {
    return tree.delete(path);
  }

  @Override
  public int unlink(String path) {
    return tree.delete(path);
  }

  @Override
  public int readdir(
      String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
    return tree.list(path, name -> filter.apply(buf, name, null, 0));
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    return tree.fsync(fi.fh.get(), isdatasync != 0);
  }
}
