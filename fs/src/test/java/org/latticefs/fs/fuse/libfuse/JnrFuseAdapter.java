package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * Serves a {@link RawFileSystem} through jnr-fuse instead of the byte-name binding, for measuring
 * one against the other with the same filesystem code: paths come in as jnr-fuse's {@code String}s
 * and go out as their UTF-8 bytes (so names that are not UTF-8 are lost, which is the point of the
 * binding), and jnr-fuse's structures are handed over as the binding's windows onto the same
 * memory. Implements the operations a file tree needs (no links, symlinks or xattrs).
 *
 * <p>A benchmark and test aid, not a product.
 */
public final class JnrFuseAdapter extends FuseStubFS {
  private static final MemoryIO IO = MemoryIO.getInstance();
  private final RawFileSystem fs;

  public JnrFuseAdapter(RawFileSystem fs) {
    this.fs = fs;
  }

  private static byte[] b(String path) {
    return path == null ? null : path.getBytes(StandardCharsets.UTF_8);
  }

  private static long address(Struct s) {
    return Struct.getMemory(s).address();
  }

  /** jnr-fuse's shutdown hook calls this; the benchmark unmounts with fusermount itself. */
  @Override
  public void umount() {}

  @Override
  public int getattr(String path, FileStat stat) {
    return fs.getattr(b(path), new Stat(address(stat)));
  }

  @Override
  public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
    return fs.fgetattr(b(path), new Stat(address(stat)), fi.fh.get());
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
    return fs.mkdir(b(path), (int) mode);
  }

  @Override
  public int unlink(String path) {
    return fs.unlink(b(path));
  }

  @Override
  public int rmdir(String path) {
    return fs.rmdir(b(path));
  }

  @Override
  public int rename(String from, String to) {
    return fs.rename(b(from), b(to));
  }

  @Override
  public int chmod(String path, @mode_t long mode) {
    return fs.chmod(b(path), (int) mode);
  }

  @Override
  public int truncate(String path, @off_t long size) {
    return fs.truncate(b(path), size);
  }

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return fs.create(b(path), (int) mode, new FileInfo(address(fi)));
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return fs.open(b(path), new FileInfo(address(fi)));
  }

  @Override
  public int read(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return fs.read(b(path), IO.newDirectByteBuffer(buf.address(), (int) size), offset, fi.fh.get());
  }

  @Override
  public int write(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return fs.write(
        b(path), IO.newDirectByteBuffer(buf.address(), (int) size), offset, fi.fh.get());
  }

  @Override
  public int statfs(String path, Statvfs stbuf) {
    return fs.statfs(b(path), new StatVfs(address(stbuf)));
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    return fs.flush(b(path), new FileInfo(address(fi)));
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return fs.release(b(path), new FileInfo(address(fi)));
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    return fs.fsync(b(path), isdatasync != 0, fi.fh.get());
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    TimeSpec a = new TimeSpec(timespec[0].tv_sec.get(), timespec[0].tv_nsec.longValue());
    TimeSpec m = new TimeSpec(timespec[1].tv_sec.get(), timespec[1].tv_nsec.longValue());
    return fs.utimens(b(path), a, m);
  }

  @Override
  public int opendir(String path, FuseFileInfo fi) {
    return fs.opendir(b(path), new FileInfo(address(fi)));
  }

  @Override
  public int readdir(
      String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
    DirFiller filler =
        new DirFiller() {
          @Override
          public boolean add(byte[] name, long nextOffset) {
            return filter.apply(buf, new String(name, StandardCharsets.UTF_8), null, nextOffset)
                == 0;
          }

          @Override
          public boolean add(byte[] name, long ino, int mode, long nextOffset) {
            return add(name, nextOffset);
          }
        };
    return fs.readdir(b(path), filler, offset, fi.fh.get());
  }

  @Override
  public int releasedir(String path, FuseFileInfo fi) {
    return fs.releasedir(b(path), new FileInfo(address(fi)));
  }
}
