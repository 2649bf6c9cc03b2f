package org.latticefs.bench.fs;

import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * Serves a {@link BenchTree}'s shared operations through jnr-fuse; subclasses add what depends on
 * the tree's storage (reads and writes).
 */
abstract class JnrTreeFs extends FuseStubFS {
  private final BenchTree tree;

  JnrTreeFs(BenchTree tree) {
    this.tree = tree;
  }

  private static int handle(long fhOrErrno, FuseFileInfo fi) {
    if (fhOrErrno < 0) {
      return (int) fhOrErrno;
    }
    fi.fh.set(fhOrErrno);
    return 0;
  }

  private static void set(Timespec t, long nanos) {
    t.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
    t.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
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
          set(stat.st_mtim, a.mtime());
          set(stat.st_atim, a.atime());
          set(stat.st_ctim, a.ctime());
        });
  }

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return handle(tree.create(path, mode), fi);
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return handle(tree.open(path), fi);
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
    return tree.mkdir(path, mode);
  }

  @Override
  public int unlink(String path) {
    return tree.unlink(path);
  }

  @Override
  public int rmdir(String path) {
    return tree.rmdir(path);
  }

  @Override
  public int readdir(
      String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
    return tree.list(path, name -> filter.apply(buf, name, null, 0));
  }
}
