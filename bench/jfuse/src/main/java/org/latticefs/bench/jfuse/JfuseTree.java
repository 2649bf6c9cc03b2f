package org.latticefs.bench.jfuse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseConfig;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.TimeSpec;
import org.latticefs.bench.fs.BenchTree;

/**
 * Serves a {@link BenchTree}'s shared operations through jfuse; subclasses add what depends on the
 * tree's storage (reads and writes), the counterpart of the bench module's jnr-fuse {@code
 * JnrTreeFs}.
 */
abstract class JfuseTree implements FuseOperations {
  private final Errno errno;
  private final BenchTree tree;

  JfuseTree(Errno errno, BenchTree tree) {
    this.errno = errno;
    this.tree = tree;
  }

  /** The operations every tree serves; a subclass adds its own (e.g. FSYNC). */
  static EnumSet<Operation> common() {
    return EnumSet.of(
        Operation.INIT,
        Operation.GET_ATTR,
        Operation.CREATE,
        Operation.OPEN,
        Operation.READ,
        Operation.WRITE,
        Operation.FLUSH,
        Operation.RELEASE,
        Operation.TRUNCATE,
        Operation.UTIMENS,
        Operation.MKDIR,
        Operation.RMDIR,
        Operation.UNLINK,
        Operation.READ_DIR);
  }

  @Override
  public Set<Operation> supportedOperations() {
    return common();
  }

  @Override
  public Errno errno() {
    return errno;
  }

  @Override
  public void init(FuseConnInfo conn, FuseConfig config) {
    ProbeMain.negotiate(conn, config);
  }

  private static int handle(long fhOrErrno, FileInfo fi) {
    if (fhOrErrno < 0) {
      return (int) fhOrErrno;
    }
    fi.setFh(fhOrErrno);
    return 0;
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  @Override
  public int getattr(String path, Stat stat, FileInfo fi) {
    return tree.stat(
        path,
        a -> {
          stat.setMode(a.mode());
          stat.setNLink((short) a.nlink());
          stat.setUid(a.uid());
          stat.setGid(a.gid());
          stat.setSize(a.size());
          stat.mTime().set(instant(a.mtime()));
          stat.aTime().set(instant(a.atime()));
          stat.cTime().set(instant(a.ctime()));
        });
  }

  @Override
  public int create(String path, int mode, FileInfo fi) {
    return handle(tree.create(path, mode), fi);
  }

  @Override
  public int open(String path, FileInfo fi) {
    return handle(tree.open(path), fi);
  }

  @Override
  public int flush(String path, FileInfo fi) {
    return 0;
  }

  @Override
  public int release(String path, FileInfo fi) {
    return tree.release(fi.getFh());
  }

  @Override
  public int truncate(String path, long size, FileInfo fi) {
    return tree.truncate(path, fi == null ? 0 : fi.getFh(), size);
  }

  @Override
  public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
    if (mtime.isUtimeOmit()) {
      return 0;
    }
    Instant t = mtime.isUtimeNow() ? Instant.now() : mtime.get();
    return tree.setMtime(path, t.getEpochSecond() * 1_000_000_000L + t.getNano());
  }

  @Override
  public int mkdir(String path, int mode) {
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
  public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
    try {
      return tree.list(
          path,
          name -> {
            try {
              filler.fill(name);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      return -errno.eio();
    }
  }
}
