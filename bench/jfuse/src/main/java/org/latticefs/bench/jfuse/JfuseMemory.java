package org.latticefs.bench.jfuse;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
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
import org.latticefs.bench.fs.MemoryTree;

/**
 * Serves a {@link MemoryTree} through jfuse: the ceiling of jfuse and libfuse3 here, the
 * counterpart of the jnr-fuse {@code org.latticefs.bench.fs.MemoryFs} over the same tree. Bytes
 * move by native address between the tree's blocks and the buffer jfuse hands over.
 */
final class JfuseMemory implements FuseOperations {
  private final Errno errno;
  private final MemoryTree tree;

  JfuseMemory(Errno errno, MemoryTree tree) {
    this.errno = errno;
    this.tree = tree;
  }

  @Override
  public Errno errno() {
    return errno;
  }

  @Override
  public Set<Operation> supportedOperations() {
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
  public void init(FuseConnInfo conn, FuseConfig config) {
    ProbeMain.negotiate(conn, config);
  }

  @Override
  public int getattr(String path, Stat stat, FileInfo fi) {
    return tree.stat(
        path,
        a -> {
          stat.setMode((a.dir() ? Stat.S_IFDIR : Stat.S_IFREG) | a.mode());
          stat.setNLink((short) a.nlink());
          stat.setUid(a.uid());
          stat.setGid(a.gid());
          stat.setSize(a.size());
          stat.mTime().set(JfuseCalls.instant(a.mtime()));
          stat.aTime().set(JfuseCalls.instant(a.mtime()));
          stat.cTime().set(JfuseCalls.instant(a.ctime()));
        });
  }

  @Override
  public int create(String path, int mode, FileInfo fi) {
    return JfuseCalls.handle(tree.create(path, mode), fi);
  }

  @Override
  public int mkdir(String path, int mode) {
    return tree.mkdir(path, mode);
  }

  @Override
  public int open(String path, FileInfo fi) {
    return JfuseCalls.handle(tree.open(path), fi);
  }

  @Override
  public int read(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    return tree.read(fi.getFh(), MemorySegment.ofBuffer(buf).address(), offset, (int) count);
  }

  @Override
  public int write(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    return tree.write(fi.getFh(), MemorySegment.ofBuffer(buf).address(), offset, (int) count);
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
  public int unlink(String path) {
    return tree.unlink(path);
  }

  @Override
  public int rmdir(String path) {
    return tree.rmdir(path);
  }

  @Override
  public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
    return JfuseCalls.fill(errno, filler, out -> tree.list(path, out));
  }
}
