package org.latticefs.fs.fuse;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.latticefs.fs.Attr;
import org.latticefs.fs.Caller;
import org.latticefs.fs.DirEntry;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsErrors;
import org.latticefs.fs.FsException;
import org.latticefs.fs.FsStats;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.fs.inode.Inode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The jnr-fuse binding: serves a {@link LatticeFileSystem} through libfuse2's high-level API (the
 * only class that knows jnr-fuse's callbacks and structs).
 *
 * <p>Every callback catches everything and answers with {@link FsErrors#errno}: an {@link
 * FsException} becomes its errno, a full disk {@code ENOSPC}, a corrupt or missing chunk (no good
 * copy reachable) {@code EIO}; anything else is logged with the operation and path and becomes
 * {@code EIO}. No exception reaches native code. Reads and writes move bytes between the kernel's
 * buffer and the filesystem through a direct {@link ByteBuffer} over the native memory, never a
 * per-request {@code byte[]}.
 *
 * <p>Mount it with {@link FuseMount}, which also passes the options it needs.
 */
public final class LatticeFuse extends FuseStubFS implements FuseBinding {
  private static final Logger LOG = LoggerFactory.getLogger(LatticeFuse.class);
  private static final long UTIME_NOW = (1L << 30) - 1;
  private static final long UTIME_OMIT = (1L << 30) - 2;
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;

  private final LatticeFileSystem fs;
  private final String fsName;

  public LatticeFuse(LatticeFileSystem fs) {
    this(fs, "lattice");
  }

  public LatticeFuse(LatticeFileSystem fs, String fsName) {
    this.fs = fs;
    this.fsName = fsName;
  }

  /**
   * Does nothing. jnr-fuse registers a JVM shutdown hook that calls this to detach the mount lazily
   * ({@code fusermount -u -z}), racing the owner's orderly shutdown: the kernel would keep routing
   * writes of still-open files to a filesystem that is being closed, and they would be lost. {@link
   * FuseMount#unmount()} is the only way this mount is taken down (commit open files, {@code
   * fusermount -u}, wait); a process that dies without it leaves a dead mount that the next {@link
   * FuseMount#mount} cleans up.
   */
  @Override
  public void umount() {}

  /** The filesystem this adapter serves. */
  @Override
  public LatticeFileSystem fileSystem() {
    return fs;
  }

  /** Runs libfuse's loop at {@code mountPoint} (blocking) until the mount is taken down. */
  @Override
  public void serve(Path mountPoint, String[] options) {
    mount(mountPoint, true, false, options);
  }

  @Override
  protected String getFSName() {
    return fsName;
  }

  @Override
  public int getattr(String path, FileStat stat) {
    try {
      fill(stat, fs.getattr(path));
      return 0;
    } catch (Throwable e) {
      return fail("getattr", path, e);
    }
  }

  @Override
  public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
    try {
      long fh = fi.fh.get();
      Attr a;
      try {
        a = fh != 0 ? fs.getattr(fh) : fs.getattr(path);
      } catch (FsException e) {
        if (e.errno() != Errno.EBADF) {
          throw e;
        }
        a = fs.getattr(path);
      }
      fill(stat, a);
      return 0;
    } catch (Throwable e) {
      return fail("fgetattr", path, e);
    }
  }

  @Override
  public int access(String path, int mask) {
    try {
      fs.getattr(path);
      return 0;
    } catch (Throwable e) {
      return fail("access", path, e);
    }
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    try {
      byte[] target = fs.readlink(path).getBytes(StandardCharsets.UTF_8);
      if (size <= 0) {
        return -Errno.EINVAL.code();
      }
      int n = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    } catch (Throwable e) {
      return fail("readlink", path, e);
    }
  }

  @Override
  public int mknod(String path, @mode_t long mode, long rdev) {
    try {
      if ((mode & S_IFMT) != S_IFREG && (mode & S_IFMT) != 0) {
        return -Errno.EPERM.code();
      }
      long fh = fs.create(path, (int) mode & 07777, LatticeFileSystem.O_EXCL, caller());
      fs.release(fh);
      return 0;
    } catch (Throwable e) {
      return fail("mknod", path, e);
    }
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
    try {
      fs.mkdir(path, (int) mode & 07777, caller());
      return 0;
    } catch (Throwable e) {
      return fail("mkdir", path, e);
    }
  }

  @Override
  public int unlink(String path) {
    try {
      fs.unlink(path);
      return 0;
    } catch (Throwable e) {
      return fail("unlink", path, e);
    }
  }

  @Override
  public int rmdir(String path) {
    try {
      fs.rmdir(path);
      return 0;
    } catch (Throwable e) {
      return fail("rmdir", path, e);
    }
  }

  @Override
  public int symlink(String target, String linkPath) {
    try {
      fs.symlink(target, linkPath, caller());
      return 0;
    } catch (Throwable e) {
      return fail("symlink", linkPath, e);
    }
  }

  @Override
  public int rename(String from, String to) {
    try {
      fs.rename(from, to);
      return 0;
    } catch (Throwable e) {
      return fail("rename", from + " -> " + to, e);
    }
  }

  @Override
  public int link(String existing, String newPath) {
    try {
      fs.link(existing, newPath);
      return 0;
    } catch (Throwable e) {
      return fail("link", existing + " -> " + newPath, e);
    }
  }

  @Override
  public int chmod(String path, @mode_t long mode) {
    try {
      fs.chmod(path, (int) mode & 07777);
      return 0;
    } catch (Throwable e) {
      return fail("chmod", path, e);
    }
  }

  @Override
  public int chown(String path, long uid, long gid) {
    try {
      fs.chown(path, (int) uid, (int) gid);
      return 0;
    } catch (Throwable e) {
      return fail("chown", path, e);
    }
  }

  @Override
  public int truncate(String path, @off_t long size) {
    try {
      fs.truncate(path, size);
      return 0;
    } catch (Throwable e) {
      return fail("truncate", path, e);
    }
  }

  @Override
  public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
    try {
      fs.ftruncate(fi.fh.get(), size);
      return 0;
    } catch (Throwable e) {
      return fail("ftruncate", path, e);
    }
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    try {
      Long atime = timespec == null ? now() : time(timespec[0]);
      Long mtime = timespec == null ? now() : time(timespec[1]);
      fs.utimens(path, atime, mtime);
      return 0;
    } catch (Throwable e) {
      return fail("utimens", path, e);
    }
  }

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    try {
      fi.fh.set(fs.create(path, (int) mode & 07777, fi.flags.get(), caller()));
      return 0;
    } catch (Throwable e) {
      return fail("create", path, e);
    }
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    try {
      fi.fh.set(fs.open(path, fi.flags.get()));
      return 0;
    } catch (Throwable e) {
      return fail("open", path, e);
    }
  }

  @Override
  public int read(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    try {
      ByteBuffer dst = MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
      long fh = fi.fh.get();
      int total = 0;
      while (dst.hasRemaining()) {
        int n = fs.read(fh, offset + total, dst);
        if (n <= 0) {
          break;
        }
        total += n;
      }
      return total;
    } catch (Throwable e) {
      return fail("read", path, e);
    }
  }

  @Override
  public int write(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    try {
      ByteBuffer src = MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
      return fs.write(fi.fh.get(), offset, src);
    } catch (Throwable e) {
      return fail("write", path, e);
    }
  }

  @Override
  public int statfs(String path, Statvfs stbuf) {
    try {
      FsStats s = fs.statfs();
      stbuf.f_bsize.set(s.blockSize());
      stbuf.f_frsize.set(s.blockSize());
      stbuf.f_blocks.set(s.totalBlocks());
      stbuf.f_bfree.set(s.freeBlocks());
      stbuf.f_bavail.set(s.freeBlocks());
      stbuf.f_files.set(s.files());
      stbuf.f_ffree.set(s.ffree());
      stbuf.f_favail.set(s.ffree());
      stbuf.f_namemax.set(255);
      return 0;
    } catch (Throwable e) {
      return fail("statfs", path, e);
    }
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    try {
      fs.flush(fi.fh.get());
      return 0;
    } catch (Throwable e) {
      return fail("flush", path, e);
    }
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    try {
      fs.release(fi.fh.get());
      return 0;
    } catch (Throwable e) {
      return fail("release", path, e);
    }
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    try {
      fs.fsync(fi.fh.get());
      return 0;
    } catch (Throwable e) {
      return fail("fsync", path, e);
    }
  }

  @Override
  public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
    try {
      if (size > Inode.MAX_XATTR_VALUE) {
        return -Errno.E2BIG.code();
      }
      byte[] v = new byte[(int) size];
      value.get(0, v, 0, v.length);
      fs.setxattr(path, name, v, flags);
      return 0;
    } catch (Throwable e) {
      return fail("setxattr", path, e);
    }
  }

  @Override
  public int getxattr(String path, String name, Pointer value, @size_t long size) {
    try {
      byte[] v = fs.getxattr(path, name);
      if (size == 0) {
        return v.length;
      }
      if (size < v.length) {
        return -Errno.ERANGE.code();
      }
      value.put(0, v, 0, v.length);
      return v.length;
    } catch (Throwable e) {
      return fail("getxattr", path, e);
    }
  }

  @Override
  public int listxattr(String path, Pointer list, @size_t long size) {
    try {
      List<String> names = fs.listxattr(path);
      int total = 0;
      for (String n : names) {
        total += n.getBytes(StandardCharsets.UTF_8).length + 1;
      }
      if (size == 0) {
        return total;
      }
      if (size < total) {
        return -Errno.ERANGE.code();
      }
      long off = 0;
      for (String n : names) {
        byte[] b = n.getBytes(StandardCharsets.UTF_8);
        list.put(off, b, 0, b.length);
        list.putByte(off + b.length, (byte) 0);
        off += b.length + 1;
      }
      return total;
    } catch (Throwable e) {
      return fail("listxattr", path, e);
    }
  }

  @Override
  public int removexattr(String path, String name) {
    try {
      fs.removexattr(path, name);
      return 0;
    } catch (Throwable e) {
      return fail("removexattr", path, e);
    }
  }

  @Override
  public int opendir(String path, FuseFileInfo fi) {
    try {
      fi.fh.set(fs.opendir(path));
      return 0;
    } catch (Throwable e) {
      return fail("opendir", path, e);
    }
  }

  @Override
  public int readdir(
      String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
    try {
      long fh = fi.fh.get();
      long off = offset;
      while (true) {
        List<DirEntry> page = fs.readdir(fh, off, 128);
        if (page.isEmpty()) {
          return 0;
        }
        for (DirEntry e : page) {
          if (filter.apply(buf, e.name(), null, e.nextOffset()) != 0) {
            return 0;
          }
          off = e.nextOffset();
        }
      }
    } catch (Throwable e) {
      return fail("readdir", path, e);
    }
  }

  @Override
  public int releasedir(String path, FuseFileInfo fi) {
    try {
      fs.releasedir(fi.fh.get());
      return 0;
    } catch (Throwable e) {
      return fail("releasedir", path, e);
    }
  }

  @Override
  public int fsyncdir(String path, FuseFileInfo fi) {
    try {
      fs.fsyncdir(path);
      return 0;
    } catch (Throwable e) {
      return fail("fsyncdir", path, e);
    }
  }

  @Override
  public void destroy(Pointer initResult) {
    try {
      fs.flushAll();
    } catch (Throwable e) {
      LOG.error("flushing open files at unmount failed", e);
    }
  }

  private Caller caller() {
    try {
      var ctx = getContext();
      return new Caller((int) ctx.uid.get(), (int) ctx.gid.get());
    } catch (RuntimeException e) {
      return new Caller(0, 0);
    }
  }

  private static Long time(Timespec t) {
    long nsec = t.tv_nsec.longValue();
    if (nsec == UTIME_OMIT) {
      return null;
    }
    if (nsec == UTIME_NOW) {
      return now();
    }
    return t.tv_sec.get() * 1_000_000_000L + nsec;
  }

  private static long now() {
    java.time.Instant t = java.time.Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static void fill(FileStat stat, Attr a) {
    int type =
        switch (a.kind()) {
          case FILE -> FileStat.S_IFREG;
          case DIRECTORY -> FileStat.S_IFDIR;
          case SYMLINK -> FileStat.S_IFLNK;
        };
    stat.st_mode.set(type | a.mode());
    stat.st_ino.set(a.ino());
    stat.st_nlink.set(a.nlink());
    stat.st_uid.set(a.uid());
    stat.st_gid.set(a.gid());
    stat.st_size.set(a.size());
    stat.st_blksize.set(131072);
    stat.st_blocks.set(a.blocks());
    setTime(stat.st_atim, a.atimeNanos());
    setTime(stat.st_mtim, a.mtimeNanos());
    setTime(stat.st_ctim, a.ctimeNanos());
  }

  private static void setTime(Timespec t, long nanos) {
    t.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
    t.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
  }

  /** Maps a failure to a negative errno (see {@link FsErrors}); never throws. */
  private static int fail(String op, String path, Throwable e) {
    return -FsErrors.errno(op, path, e).code();
  }
}
