package org.latticefs.fs.bench;

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
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.latticefs.fs.fuse.FuseMount;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * A jnr-fuse passthrough: every call goes straight to a directory through java.nio, with no Lattice
 * code in between. It measures what a Java FUSE filesystem on jnr-fuse and libfuse2 can do at best
 * on this machine (the floor under Lattice's own costs), next to bindfs, a C passthrough on the
 * same libfuse2. Only what the benchmarks need is implemented (files and directories, fsync; no
 * links, xattrs or renames). Not a product: a measuring stick.
 *
 * <p>{@code main(SRC, MNT)}: mounts SRC at MNT with Lattice's mount options, prints {@code
 * MOUNTED}, serves until stdin closes, then unmounts.
 */
public final class PassthroughFs extends FuseStubFS {
  private final Path root;
  private final Map<Long, FileChannel> open = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);

  PassthroughFs(Path root) {
    this.root = root;
  }

  public static void main(String[] args) throws Exception {
    PassthroughFs fs = new PassthroughFs(Path.of(args[0]));
    Path mnt = Path.of(args[1]);
    String[] opts = FuseMount.DEFAULT_OPTIONS.toArray(new String[0]);
    fs.mount(mnt, false, false, opts);
    while (!FuseMount.isMounted(mnt)) {
      Thread.sleep(20);
    }
    System.out.println("MOUNTED");
    System.out.flush();
    while (System.in.read() >= 0) {
      // Serve until stdin closes.
    }
    new ProcessBuilder("fusermount", "-u", mnt.toString()).inheritIO().start().waitFor();
  }

  private Path real(String path) {
    return path.equals("/") ? root : root.resolve(path.substring(1));
  }

  @Override
  public int getattr(String path, FileStat stat) {
    try {
      Map<String, Object> a =
          Files.readAttributes(
              real(path),
              "unix:mode,ino,nlink,uid,gid,size,lastModifiedTime,lastAccessTime,ctime",
              LinkOption.NOFOLLOW_LINKS);
      stat.st_mode.set((Integer) a.get("mode"));
      stat.st_ino.set((Long) a.get("ino"));
      stat.st_nlink.set((Integer) a.get("nlink"));
      stat.st_uid.set((Integer) a.get("uid"));
      stat.st_gid.set((Integer) a.get("gid"));
      long size = (Long) a.get("size");
      stat.st_size.set(size);
      stat.st_blocks.set((size + 511) / 512);
      set(stat.st_mtim, (FileTime) a.get("lastModifiedTime"));
      set(stat.st_atim, (FileTime) a.get("lastAccessTime"));
      set(stat.st_ctim, (FileTime) a.get("ctime"));
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return openWith(
        path, fi, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return openWith(path, fi, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private int openWith(String path, FuseFileInfo fi, StandardOpenOption... options) {
    try {
      FileChannel ch = FileChannel.open(real(path), Set.of(options));
      long fh = nextHandle.getAndIncrement();
      open.put(fh, ch);
      fi.fh.set(fh);
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int read(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    try {
      ByteBuffer b = ByteBuffer.allocate((int) size);
      int n = open.get(fi.fh.get()).read(b, offset);
      if (n <= 0) {
        return 0;
      }
      buf.put(0, b.array(), 0, n);
      return n;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int write(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    try {
      byte[] b = new byte[(int) size];
      buf.get(0, b, 0, b.length);
      ByteBuffer bb = ByteBuffer.wrap(b);
      FileChannel ch = open.get(fi.fh.get());
      long pos = offset;
      while (bb.hasRemaining()) {
        pos += ch.write(bb, pos);
      }
      return (int) size;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    return 0;
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    try {
      FileChannel ch = open.remove(fi.fh.get());
      if (ch != null) {
        ch.close();
      }
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int truncate(String path, @off_t long size) {
    try (FileChannel ch = FileChannel.open(real(path), StandardOpenOption.WRITE)) {
      setLength(ch, size);
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    try {
      long sec = timespec[1].tv_sec.get();
      long nsec = timespec[1].tv_nsec.longValue();
      Files.setLastModifiedTime(
          real(path),
          FileTime.from(sec * 1_000_000_000L + nsec, java.util.concurrent.TimeUnit.NANOSECONDS));
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
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
  public int readdir(
      String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(real(path))) {
      filter.apply(buf, ".", null, 0);
      filter.apply(buf, "..", null, 0);
      for (Path p : ds) {
        filter.apply(buf, p.getFileName().toString(), null, 0);
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
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    try {
      open.get(fi.fh.get()).force(isdatasync == 0);
      return 0;
    } catch (Throwable e) {
      return errno(e);
    }
  }

  private static void set(Timespec t, FileTime time) {
    long nanos = time.to(java.util.concurrent.TimeUnit.NANOSECONDS);
    t.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
    t.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
  }

  private static int errno(Throwable e) {
    if (e instanceof NoSuchFileException) {
      return -ErrorCodes.ENOENT();
    }
    if (e instanceof FileAlreadyExistsException) {
      return -ErrorCodes.EEXIST();
    }
    if (e instanceof NotDirectoryException) {
      return -ErrorCodes.ENOTDIR();
    }
    if (e instanceof DirectoryNotEmptyException) {
      return -ErrorCodes.ENOTEMPTY();
    }
    return -ErrorCodes.EIO();
  }
}
