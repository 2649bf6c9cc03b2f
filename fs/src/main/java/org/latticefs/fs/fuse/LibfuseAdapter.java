package org.latticefs.fs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.fs.Attr;
import org.latticefs.fs.Caller;
import org.latticefs.fs.DirEntry;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsErrors;
import org.latticefs.fs.FsException;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.FsOp;
import org.latticefs.fs.FsStats;
import org.latticefs.fs.TimeChange;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.fs.fuse.libfuse.DirFiller;
import org.latticefs.fs.fuse.libfuse.FileInfo;
import org.latticefs.fs.fuse.libfuse.RawFileSystem;
import org.latticefs.fs.fuse.libfuse.ReplyBuffer;
import org.latticefs.fs.fuse.libfuse.RequestContext;
import org.latticefs.fs.fuse.libfuse.Stat;
import org.latticefs.fs.fuse.libfuse.StatVfs;
import org.latticefs.fs.fuse.libfuse.TimeSpec;
import org.latticefs.fs.inode.Inode;
import org.latticefs.kv.KeyBytes;

/**
 * Serves a {@link LatticeFileSystem} through the byte-name libfuse2 binding ({@link
 * RawFileSystem}): the one place where the kernel's bytes become the core's strings and back.
 *
 * <h2>Names</h2>
 *
 * A path arrives as bytes and is turned into the core's path string once, here, with {@link
 * KeyBytes#decode}: valid UTF-8 reads as its text, any other byte as an escape, so {@code
 * caf\xe9.txt}, {@code caf\xe8.txt} and {@code caf\xc3\xa9.txt} are three names (decoding the whole
 * path equals decoding each component: {@code /} is never part of a multi-byte sequence). Symlink
 * targets and xattr names are decoded the same way; directory entries, symlink targets and xattr
 * names go back through {@link KeyBytes#encode}, so every name round-trips exactly. Log lines show
 * names with {@link KeyBytes#display} ({@link FsErrors}).
 *
 * <h2>Errors</h2>
 *
 * Every callback catches everything and answers with {@link FsErrors#errno}: an {@link FsException}
 * becomes its errno, a full disk {@code ENOSPC}, content that cannot be read {@code EIO}; anything
 * else is logged with the operation and path and becomes {@code EIO}. No exception reaches the
 * binding.
 *
 * <p>Mount it with {@link FuseMount}, which passes the options it needs.
 */
public final class LibfuseAdapter implements RawFileSystem {
  /** A read's chunk of directory entries asked from the core at a time. */
  private static final int READDIR_PAGE = 128;

  /** The block size {@code stat} reports as the preferred I/O size. */
  private static final int BLKSIZE = 131072;

  private final LatticeFileSystem fs;
  private final ErrorBoundary boundary;

  public LibfuseAdapter(LatticeFileSystem fs) {
    this(fs, FsObserver.NONE);
  }

  /** Serves {@code fs}, telling {@code observer} of every answered request. */
  public LibfuseAdapter(LatticeFileSystem fs, FsObserver observer) {
    this.fs = fs;
    this.boundary = new ErrorBoundary(observer);
  }

  /** The filesystem this adapter serves. */
  public LatticeFileSystem fileSystem() {
    return fs;
  }

  /** The core's path for the kernel's {@code path} (null stays null: an open file without name). */
  static String path(byte[] path) {
    return path == null ? null : KeyBytes.decode(path);
  }

  @Override
  public void destroy() {
    fs.flushAll();
  }

  @Override
  public int getattr(byte[] path, Stat stat) {
    String p = path(path);
    return boundary.call(FsOp.GETATTR, p, () -> fill(stat, fs.getattr(p)));
  }

  @Override
  public int fgetattr(byte[] path, Stat stat, long fh) {
    String p = path(path);
    return boundary.call(FsOp.FGETATTR, p, () -> fill(stat, attributesOf(fh, p)));
  }

  /** The attributes through handle {@code fh} (or {@code path} if the handle is not a file's). */
  private Attr attributesOf(long fh, String path) throws IOException {
    try {
      return fh != 0 ? fs.getattr(fh) : fs.getattr(path);
    } catch (FsException e) {
      if (e.errno() != Errno.EBADF || path == null) {
        throw e;
      }
      return fs.getattr(path);
    }
  }

  /** Only without {@code default_permissions} (which Lattice always sets): existence. */
  @Override
  public int access(byte[] path, int mask) {
    String p = path(path);
    return boundary.call(FsOp.ACCESS, p, () -> fs.getattr(p));
  }

  @Override
  public int readlink(byte[] path, ReplyBuffer target) {
    String p = path(path);
    return boundary.answer(
        FsOp.READLINK, p, () -> target.replyLink(KeyBytes.encode(fs.readlink(p))));
  }

  @Override
  public int mknod(byte[] path, int mode, long rdev) {
    String p = path(path);
    return boundary.call(FsOp.MKNOD, p, () -> makeNode(fs, p, mode, rdev, caller()));
  }

  /** A regular file (created and released) or a special file of the type in {@code mode}. */
  static void makeNode(LatticeFileSystem fs, String path, int mode, long rdev, Caller caller)
      throws IOException {
    int type = mode & Stat.S_IFMT;
    if (type == Stat.S_IFREG || type == 0) {
      fs.release(fs.create(path, mode & 07777, LatticeFileSystem.O_EXCL, caller));
      return;
    }
    Inode.Kind kind =
        switch (type) {
          case Stat.S_IFIFO -> Inode.Kind.FIFO;
          case Stat.S_IFCHR -> Inode.Kind.CHAR_DEVICE;
          case Stat.S_IFBLK -> Inode.Kind.BLOCK_DEVICE;
          case Stat.S_IFSOCK -> Inode.Kind.SOCKET;
          default ->
              throw new FsException(Errno.EINVAL, "mknod of type 0" + Integer.toOctalString(type));
        };
    fs.mknod(path, kind, mode & 07777, kind.isDevice() ? rdev : 0, caller);
  }

  @Override
  public int mkdir(byte[] path, int mode) {
    String p = path(path);
    return boundary.call(FsOp.MKDIR, p, () -> fs.mkdir(p, mode & 07777, caller()));
  }

  @Override
  public int unlink(byte[] path) {
    String p = path(path);
    return boundary.call(FsOp.UNLINK, p, () -> fs.unlink(p));
  }

  @Override
  public int rmdir(byte[] path) {
    String p = path(path);
    return boundary.call(FsOp.RMDIR, p, () -> fs.rmdir(p));
  }

  @Override
  public int symlink(byte[] target, byte[] linkPath) {
    String p = path(linkPath);
    return boundary.call(FsOp.SYMLINK, p, () -> fs.symlink(KeyBytes.decode(target), p, caller()));
  }

  @Override
  public int rename(byte[] from, byte[] to) {
    String a = path(from);
    String b = path(to);
    return boundary.call(FsOp.RENAME, a + " -> " + b, () -> fs.rename(a, b));
  }

  @Override
  public int link(byte[] existing, byte[] newPath) {
    String a = path(existing);
    String b = path(newPath);
    return boundary.call(FsOp.LINK, a + " -> " + b, () -> fs.link(a, b));
  }

  @Override
  public int chmod(byte[] path, int mode) {
    String p = path(path);
    return boundary.call(FsOp.CHMOD, p, () -> fs.chmod(p, mode & 07777));
  }

  @Override
  public int chown(byte[] path, int uid, int gid) {
    String p = path(path);
    return boundary.call(FsOp.CHOWN, p, () -> fs.chown(p, uid, gid));
  }

  @Override
  public int truncate(byte[] path, long size) {
    String p = path(path);
    return boundary.call(FsOp.TRUNCATE, p, () -> fs.truncate(p, size));
  }

  @Override
  public int ftruncate(byte[] path, long size, long fh) {
    String p = path(path);
    return boundary.call(FsOp.FTRUNCATE, p, () -> fs.ftruncate(fh, size));
  }

  @Override
  public int utimens(byte[] path, TimeSpec atime, TimeSpec mtime) {
    String p = path(path);
    return boundary.call(FsOp.UTIMENS, p, () -> fs.utimens(p, change(atime), change(mtime)));
  }

  @Override
  public int open(byte[] path, FileInfo fi) {
    String p = path(path);
    return boundary.call(FsOp.OPEN, p, () -> fi.setFh(fs.open(p, fi.flags())));
  }

  @Override
  public int create(byte[] path, int mode, FileInfo fi) {
    String p = path(path);
    return boundary.call(
        FsOp.CREATE, p, () -> fi.setFh(fs.create(p, mode & 07777, fi.flags(), caller())));
  }

  @Override
  public int read(byte[] path, ByteBuffer dst, long offset, long fh) {
    return boundary.answer(FsOp.READ, path, () -> readFully(fs, fh, offset, dst));
  }

  /** Fills {@code dst} from {@code offset} up to the end of the file; returns the count. */
  static int readFully(LatticeFileSystem fs, long fh, long offset, ByteBuffer dst)
      throws IOException {
    int total = 0;
    while (dst.hasRemaining()) {
      int n = fs.read(fh, offset + total, dst);
      if (n <= 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  @Override
  public int write(byte[] path, ByteBuffer src, long offset, long fh) {
    return boundary.answer(FsOp.WRITE, path, () -> fs.write(fh, offset, src));
  }

  @Override
  public int statfs(byte[] path, StatVfs stat) {
    return boundary.call(
        FsOp.STATFS,
        path,
        () -> {
          FsStats s = fs.statfs();
          stat.setBlockSize(s.blockSize())
              .setBlocks(s.totalBlocks(), s.freeBlocks(), s.availableBlocks())
              .setFiles(s.files(), s.freeFiles(), s.freeFiles())
              .setNameMax(LatticeFileSystem.NAME_MAX);
        });
  }

  @Override
  public int flush(byte[] path, FileInfo fi) {
    return boundary.call(FsOp.FLUSH, path, () -> fs.flush(fi.fh()));
  }

  @Override
  public int release(byte[] path, FileInfo fi) {
    return boundary.call(FsOp.RELEASE, path, () -> fs.release(fi.fh()));
  }

  @Override
  public int fsync(byte[] path, boolean dataOnly, long fh) {
    return boundary.call(FsOp.FSYNC, path, () -> fs.fsync(fh));
  }

  @Override
  public int setxattr(byte[] path, byte[] name, ByteBuffer value, int flags) {
    String p = path(path);
    return boundary.call(
        FsOp.SETXATTR,
        p,
        () -> {
          if (value.remaining() > Inode.MAX_XATTR_VALUE) {
            throw new FsException(Errno.E2BIG, "an xattr value is at most 64 KiB");
          }
          byte[] v = new byte[value.remaining()];
          value.get(v);
          fs.setxattr(p, KeyBytes.decode(name), v, flags);
        });
  }

  @Override
  public int getxattr(byte[] path, byte[] name, ReplyBuffer value) {
    String p = path(path);
    return boundary.answer(
        FsOp.GETXATTR, p, () -> value.replyValue(fs.getxattr(p, KeyBytes.decode(name))));
  }

  @Override
  public int listxattr(byte[] path, ReplyBuffer list) {
    String p = path(path);
    return boundary.answer(
        FsOp.LISTXATTR,
        p,
        () -> {
          List<byte[]> names = new ArrayList<>();
          for (String n : fs.listxattr(p)) {
            names.add(KeyBytes.encode(n));
          }
          return list.replyNames(names);
        });
  }

  @Override
  public int removexattr(byte[] path, byte[] name) {
    String p = path(path);
    return boundary.call(FsOp.REMOVEXATTR, p, () -> fs.removexattr(p, KeyBytes.decode(name)));
  }

  @Override
  public int opendir(byte[] path, FileInfo fi) {
    String p = path(path);
    return boundary.call(FsOp.OPENDIR, p, () -> fi.setFh(fs.opendir(p)));
  }

  /** Paged: each entry's offset continues after it, so memory stays flat in the listing's size. */
  @Override
  public int readdir(byte[] path, DirFiller filler, long offset, long fh) {
    return boundary.answer(FsOp.READDIR, path, () -> list(fh, offset, filler));
  }

  /** Adds entries of directory handle {@code fh} from {@code offset} until the reply is full. */
  private int list(long fh, long offset, DirFiller filler) throws IOException {
    long off = offset;
    while (true) {
      List<DirEntry> page = fs.readdir(fh, off, READDIR_PAGE);
      if (page.isEmpty()) {
        return 0;
      }
      for (DirEntry e : page) {
        if (!filler.add(KeyBytes.encode(e.name()), e.nextOffset())) {
          return 0;
        }
        off = e.nextOffset();
      }
    }
  }

  @Override
  public int releasedir(byte[] path, FileInfo fi) {
    return boundary.call(FsOp.RELEASEDIR, path, () -> fs.releasedir(fi.fh()));
  }

  /** Syncs the directory's store (every open store when the directory has no path any more). */
  @Override
  public int fsyncdir(byte[] path, boolean dataOnly, long fh) {
    String p = path(path);
    return boundary.call(FsOp.FSYNCDIR, p, () -> fs.fsyncdir(p == null ? "/" : p));
  }

  /** The caller of the request being served (root outside a request: tests calling directly). */
  private static Caller caller() {
    try {
      RequestContext c = RequestContext.current();
      return new Caller(c.uid(), c.gid());
    } catch (IllegalStateException notServing) {
      return new Caller(0, 0);
    }
  }

  private static TimeChange change(TimeSpec t) {
    if (t.isOmit()) {
      return TimeChange.KEEP;
    }
    if (t.isNow()) {
      return TimeChange.NOW;
    }
    return TimeChange.at(t.epochNanos());
  }

  private static void fill(Stat stat, Attr a) {
    stat.setMode(type(a.kind()) | a.mode())
        .setIno(a.ino())
        .setNlink(a.nlink())
        .setUid(a.uid())
        .setGid(a.gid())
        .setRdev(a.rdev())
        .setSize(a.size())
        .setBlksize(BLKSIZE)
        .setBlocks(a.blocks())
        .setAtime(
            Math.floorDiv(a.atimeNanos(), 1_000_000_000L),
            Math.floorMod(a.atimeNanos(), 1_000_000_000L))
        .setMtime(
            Math.floorDiv(a.mtimeNanos(), 1_000_000_000L),
            Math.floorMod(a.mtimeNanos(), 1_000_000_000L))
        .setCtime(
            Math.floorDiv(a.ctimeNanos(), 1_000_000_000L),
            Math.floorMod(a.ctimeNanos(), 1_000_000_000L));
  }

  /** The {@code S_IFMT} bits of {@code kind}. */
  static int type(Inode.Kind kind) {
    return switch (kind) {
      case FILE -> Stat.S_IFREG;
      case DIRECTORY -> Stat.S_IFDIR;
      case SYMLINK -> Stat.S_IFLNK;
      case FIFO -> Stat.S_IFIFO;
      case CHAR_DEVICE -> Stat.S_IFCHR;
      case BLOCK_DEVICE -> Stat.S_IFBLK;
      case SOCKET -> Stat.S_IFSOCK;
    };
  }
}
