package org.latticefs.bench.fs;

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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jnr.constants.platform.Errno;

/**
 * The passthrough the FUSE ceiling benchmarks serve, whatever the binding: every operation goes
 * straight to a directory through java.nio, with no Lattice code in between. {@link PassthroughFs}
 * serves it through jnr-fuse (libfuse2), bench/jfuse's {@code JfusePassthrough} through jfuse
 * (libfuse3). Files and directories only (fsync included; no links, xattrs or renames); every file
 * is opened read-write. Not a product: a measuring stick.
 *
 * <p>Every operation returns 0 (or a count, or a handle) on success and a negative Linux errno on
 * failure, as FUSE callbacks do; it never throws. Thread-safe: handles live in a concurrent map.
 */
public final class PassthroughTree implements BenchTree {

  private final Path root;
  private final Map<Long, FileChannel> open = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);

  public PassthroughTree(Path root) {
    this.root = root;
  }

  private Path real(String path) {
    return path.equals("/") ? root : root.resolve(path.substring(1));
  }

  @Override
  public int stat(String path, Consumer<Attrs> out) {
    try {
      Map<String, Object> a =
          Files.readAttributes(
              real(path),
              "unix:mode,ino,nlink,uid,gid,size,lastModifiedTime,lastAccessTime,ctime",
              LinkOption.NOFOLLOW_LINKS);
      out.accept(
          new Attrs(
              (Integer) a.get("mode"),
              (Long) a.get("ino"),
              (Integer) a.get("nlink"),
              (Integer) a.get("uid"),
              (Integer) a.get("gid"),
              (Long) a.get("size"),
              nanos(a.get("lastModifiedTime")),
              nanos(a.get("lastAccessTime")),
              nanos(a.get("ctime"))));
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  private static long nanos(Object time) {
    return ((FileTime) time).to(TimeUnit.NANOSECONDS);
  }

  /** Creates the file {@code path} (mode from the umask) and opens it read-write. */
  @Override
  public long create(String path, long mode) {
    return openWith(
        path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /** Opens {@code path} read-write. */
  @Override
  public long open(String path) {
    return openWith(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private long openWith(String path, StandardOpenOption... options) {
    try {
      FileChannel ch = FileChannel.open(real(path), Set.of(options));
      long fh = nextHandle.getAndIncrement();
      open.put(fh, ch);
      return fh;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  /** Reads at {@code offset} into {@code dst} until it is full or the file ends: the count. */
  public int read(long fh, ByteBuffer dst, long offset) {
    try {
      FileChannel ch = open.get(fh);
      int total = 0;
      while (dst.hasRemaining()) {
        int n = ch.read(dst, offset + total);
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

  /** Writes all of {@code src} at {@code offset}: the count. */
  public int write(long fh, ByteBuffer src, long offset) {
    try {
      FileChannel ch = open.get(fh);
      long pos = offset;
      while (src.hasRemaining()) {
        pos += ch.write(src, pos);
      }
      return (int) (pos - offset);
    } catch (Throwable e) {
      return errno(e);
    }
  }

  public int fsync(long fh, boolean dataOnly) {
    try {
      open.get(fh).force(!dataOnly);
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int release(long fh) {
    try {
      FileChannel ch = open.remove(fh);
      if (ch != null) {
        ch.close();
      }
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int truncate(String path, long fh, long size) {
    FileChannel held = open.get(fh);
    try {
      if (held != null) {
        setLength(held, size);
      } else {
        try (FileChannel ch = FileChannel.open(real(path), StandardOpenOption.WRITE)) {
          setLength(ch, size);
        }
      }
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
  public int setMtime(String path, long nanos) {
    try {
      Files.setLastModifiedTime(real(path), FileTime.from(nanos, TimeUnit.NANOSECONDS));
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  /** Creates the directory {@code path} (mode from the umask). */
  @Override
  public int mkdir(String path, long mode) {
    try {
      Files.createDirectory(real(path));
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int unlink(String path) {
    return delete(path);
  }

  @Override
  public int rmdir(String path) {
    return delete(path);
  }

  private int delete(String path) {
    try {
      Files.delete(real(path));
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int list(String path, Consumer<String> out) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(real(path))) {
      out.accept(".");
      out.accept("..");
      for (Path p : ds) {
        out.accept(p.getFileName().toString());
      }
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  private static int errno(Throwable e) {
    Errno code;
    if (e instanceof NoSuchFileException) {
      code = Errno.ENOENT;
    } else if (e instanceof FileAlreadyExistsException) {
      code = Errno.EEXIST;
    } else if (e instanceof NotDirectoryException) {
      code = Errno.ENOTDIR;
    } else if (e instanceof DirectoryNotEmptyException) {
      code = Errno.ENOTEMPTY;
    } else {
      code = Errno.EIO;
    }
    return -code.intValue();
  }
}
