package org.latticefs.bench.fs;

import java.nio.ByteBuffer;
import org.latticefs.fs.fuse.libfuse.DirFiller;
import org.latticefs.fs.fuse.libfuse.FileInfo;
import org.latticefs.fs.fuse.libfuse.MemoryRawFs;
import org.latticefs.fs.fuse.libfuse.RawFileSystem;
import org.latticefs.fs.fuse.libfuse.RequestContext;
import org.latticefs.fs.fuse.libfuse.Stat;
import org.latticefs.fs.fuse.libfuse.StatVfs;
import org.latticefs.fs.fuse.libfuse.TimeSpec;

/**
 * {@link MemoryRawFs} limited to the operations {@link
 * org.latticefs.fs.fuse.libfuse.JnrFuseAdapter} implements, so that both bindings in {@link
 * BindingBench} register exactly the same operations with libfuse (an extra one, such as {@code
 * getxattr}, can change which requests the kernel sends).
 */
public final class TreeFs implements RawFileSystem {
  /**
   * Every file is root's: {@link RequestContext#current()} works only on the byte-name binding's
   * threads, and both sides must do the same work.
   */
  private final MemoryRawFs fs = new MemoryRawFs(() -> new RequestContext(0, 0, 0, 0));

  @Override
  public int getattr(byte[] path, Stat stat) {
    return fs.getattr(path, stat);
  }

  @Override
  public int fgetattr(byte[] path, Stat stat, long fh) {
    return fs.fgetattr(path, stat, fh);
  }

  @Override
  public int mkdir(byte[] path, int mode) {
    return fs.mkdir(path, mode);
  }

  @Override
  public int unlink(byte[] path) {
    return fs.unlink(path);
  }

  @Override
  public int rmdir(byte[] path) {
    return fs.rmdir(path);
  }

  @Override
  public int rename(byte[] from, byte[] to) {
    return fs.rename(from, to);
  }

  @Override
  public int chmod(byte[] path, int mode) {
    return fs.chmod(path, mode);
  }

  @Override
  public int truncate(byte[] path, long size) {
    return fs.truncate(path, size);
  }

  @Override
  public int utimens(byte[] path, TimeSpec atime, TimeSpec mtime) {
    return fs.utimens(path, atime, mtime);
  }

  @Override
  public int open(byte[] path, FileInfo fi) {
    return fs.open(path, fi);
  }

  @Override
  public int create(byte[] path, int mode, FileInfo fi) {
    return fs.create(path, mode, fi);
  }

  @Override
  public int read(byte[] path, ByteBuffer dst, long offset, long fh) {
    return fs.read(path, dst, offset, fh);
  }

  @Override
  public int write(byte[] path, ByteBuffer src, long offset, long fh) {
    return fs.write(path, src, offset, fh);
  }

  @Override
  public int statfs(byte[] path, StatVfs stat) {
    return fs.statfs(path, stat);
  }

  @Override
  public int flush(byte[] path, FileInfo fi) {
    return fs.flush(path, fi);
  }

  @Override
  public int release(byte[] path, FileInfo fi) {
    return fs.release(path, fi);
  }

  @Override
  public int fsync(byte[] path, boolean dataOnly, long fh) {
    return fs.fsync(path, dataOnly, fh);
  }

  @Override
  public int opendir(byte[] path, FileInfo fi) {
    return fs.opendir(path, fi);
  }

  @Override
  public int readdir(byte[] path, DirFiller filler, long offset, long fh) {
    return fs.readdir(path, filler, offset, fh);
  }

  @Override
  public int releasedir(byte[] path, FileInfo fi) {
    return fs.releasedir(path, fi);
  }
}
