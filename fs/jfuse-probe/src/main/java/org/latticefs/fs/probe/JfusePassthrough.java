package org.latticefs.fs.probe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseConfig;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.TimeSpec;

/**
 * A jfuse passthrough: every call goes straight to a directory through java.nio, with the same
 * semantics as the jnr-fuse {@code org.latticefs.fs.bench.PassthroughFs} in fs's tests (files and
 * directories; no links, xattrs or renames; every file opened read-write). Reads and writes go
 * through the direct {@link ByteBuffer} jfuse hands over (FUSE's own buffer), so no byte[] copy.
 */
final class JfusePassthrough implements FuseOperations {
  private final Path root;
  private final Errno errno;
  private final Map<Long, FileChannel> open = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);

  JfusePassthrough(Path root, Errno errno) {
    this.root = root;
    this.errno = errno;
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
        Operation.FSYNC,
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

  private Path real(String path) {
    return path.equals("/") ? root : root.resolve(path.substring(1));
  }

  @Override
  public int getattr(String path, Stat stat, FileInfo fi) {
    try {
      Map<String, Object> a =
          Files.readAttributes(
              real(path),
              "unix:mode,nlink,uid,gid,size,lastModifiedTime,lastAccessTime,ctime",
              LinkOption.NOFOLLOW_LINKS);
      stat.setMode((Integer) a.get("mode"));
      stat.setNLink(((Integer) a.get("nlink")).shortValue());
      stat.setUid((Integer) a.get("uid"));
      stat.setGid((Integer) a.get("gid"));
      stat.setSize((Long) a.get("size"));
      stat.mTime().set(((FileTime) a.get("lastModifiedTime")).toInstant());
      stat.aTime().set(((FileTime) a.get("lastAccessTime")).toInstant());
      stat.cTime().set(((FileTime) a.get("ctime")).toInstant());
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int create(String path, int mode, FileInfo fi) {
    return openWith(
        path, fi, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  @Override
  public int open(String path, FileInfo fi) {
    return openWith(path, fi, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private int openWith(String path, FileInfo fi, StandardOpenOption... options) {
    try {
      FileChannel ch = FileChannel.open(real(path), Set.of(options));
      long fh = nextHandle.getAndIncrement();
      open.put(fh, ch);
      fi.setFh(fh);
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int read(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    try {
      FileChannel ch = open.get(fi.getFh());
      int total = 0;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, offset + total);
        if (n <= 0) {
          break;
        }
        total += n;
      }
      return total;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int write(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    try {
      FileChannel ch = open.get(fi.getFh());
      long pos = offset;
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
      return (int) (pos - offset);
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int flush(String path, FileInfo fi) {
    return 0;
  }

  @Override
  public int fsync(String path, int datasync, FileInfo fi) {
    try {
      open.get(fi.getFh()).force(datasync == 0);
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int release(String path, FileInfo fi) {
    try {
      FileChannel ch = open.remove(fi.getFh());
      if (ch != null) {
        ch.close();
      }
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int truncate(String path, long size, FileInfo fi) {
    FileChannel held = fi == null ? null : open.get(fi.getFh());
    if (held != null) {
      try {
        setLength(held, size);
        return 0;
      } catch (Throwable e) {
        return errno(e);
      }
    }
    try (FileChannel ch = FileChannel.open(real(path), StandardOpenOption.WRITE)) {
      setLength(ch, size);
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  /** Truncates or extends (with zeros): {@link FileChannel#truncate} alone never extends. */
  private static void setLength(FileChannel ch, long size) throws IOException {
    if (size < ch.size()) {
      ch.truncate(size);
    } else if (size > ch.size()) {
      ch.write(ByteBuffer.allocate(1), size - 1);
    }
  }

  @Override
  public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
    try {
      if (!mtime.isUtimeOmit()) {
        FileTime t =
            mtime.isUtimeNow()
                ? FileTime.fromMillis(System.currentTimeMillis())
                : FileTime.from(mtime.get());
        Files.setLastModifiedTime(real(path), t);
      }
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int mkdir(String path, int mode) {
    try {
      Files.createDirectory(real(path));
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int rmdir(String path) {
    return unlink(path);
  }

  @Override
  public int unlink(String path) {
    try {
      Files.delete(real(path));
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(real(path))) {
      filler.fill(".");
      filler.fill("..");
      for (Path p : ds) {
        filler.fill(p.getFileName().toString());
      }
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  private int errno(Throwable e) {
    if (e instanceof NoSuchFileException) {
      return -errno.enoent();
    }
    if (e instanceof FileAlreadyExistsException) {
      return -errno.eexist();
    }
    if (e instanceof NotDirectoryException) {
      return -errno.enotdir();
    }
    if (e instanceof DirectoryNotEmptyException) {
      return -errno.enotempty();
    }
    return -errno.eio();
  }
}
