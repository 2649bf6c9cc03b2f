package org.latticefs.fs.fuse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.latticefs.fs.Attr;
import org.latticefs.fs.DirEntry;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.FsOp;
import org.latticefs.fs.FsStats;
import org.latticefs.fs.TimeChange;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.fs.fuse.NodeTable.PathTooLongException;
import org.latticefs.fs.fuse.kernel.Bytes;
import org.latticefs.fs.fuse.kernel.Caller;
import org.latticefs.fs.fuse.kernel.DirList;
import org.latticefs.fs.fuse.kernel.Entry;
import org.latticefs.fs.fuse.kernel.InodeFileSystem;
import org.latticefs.fs.fuse.kernel.Opened;
import org.latticefs.fs.fuse.kernel.SetAttr;
import org.latticefs.fs.fuse.kernel.StatFs;
import org.latticefs.fs.inode.Inode;
import org.latticefs.kv.KeyBytes;

/**
 * Serves the path-based {@link LatticeFileSystem} through the direct binding ({@link
 * InodeFileSystem}): node ids become the core's paths through a {@link NodeTable}, the kernel's
 * bytes the core's strings ({@link KeyBytes#decode}, as {@link LibfuseAdapter} does), and every
 * failure an errno through the shared {@link ErrorBoundary}.
 *
 * <p>Answers carry what a following {@code getattr} would ask: create, mkdir, mknod, symlink and
 * link answer with the new node's attributes; readdirplus answers each entry's attributes.
 */
public final class KernelAdapter implements InodeFileSystem {
  private static final int BLKSIZE = 131072;
  private static final int READDIR_PAGE = 128;
  private static final long UNKNOWN_INO = 0xffffffffL;

  private final LatticeFileSystem fs;
  private final ErrorBoundary boundary;
  private final NodeTable nodes = new NodeTable();

  /**
   * The open file handles of each node, so a node whose name is gone (unlinked or replaced while
   * open) still answers getattr: the kernel asks by node, without the handle, for {@code fstat}.
   */
  private final Map<Long, Set<Long>> handles = new ConcurrentHashMap<>();

  public KernelAdapter(LatticeFileSystem fs, FsObserver observer) {
    this.fs = fs;
    this.boundary = new ErrorBoundary(observer);
  }

  /** The node id the kernel knows {@code name} in directory node {@code parent} by, or 0. */
  long nodeOf(long parent, byte[] name) {
    return nodes.find(parent, name);
  }

  @Override
  public void destroy() {
    fs.flushAll();
  }

  private String path(long node) throws FsException {
    try {
      String p = nodes.path(node);
      if (p == null) {
        throw new FsException(Errno.ENOENT, "node " + node + " has no name any more");
      }
      return p;
    } catch (PathTooLongException e) {
      throw new FsException(Errno.ENAMETOOLONG, e.getMessage());
    }
  }

  private String path(long parent, byte[] name) throws FsException {
    try {
      String p = nodes.path(parent, name);
      if (p == null) {
        throw new FsException(Errno.ENOENT, "node " + parent + " has no name any more");
      }
      return p;
    } catch (PathTooLongException e) {
      throw new FsException(Errno.ENAMETOOLONG, e.getMessage());
    }
  }

  private static org.latticefs.fs.Caller owner(Caller c) {
    return new org.latticefs.fs.Caller(c.uid(), c.gid());
  }

  /** Fills {@code e} for {@code name} in {@code parent} and takes the kernel's reference. */
  private void entry(long parent, byte[] name, Attr a, Entry e) {
    fill(a, e.attr());
    e.node(nodes.ref(parent, name), 0);
  }

  private static void fill(Attr a, org.latticefs.fs.fuse.kernel.Attr out) {
    out.set(a.ino(), LibfuseAdapter.type(a.kind()) | a.mode(), a.nlink(), a.uid(), a.gid())
        .size(a.size(), a.blocks())
        .rdev((int) a.rdev())
        .blksize(BLKSIZE)
        .atime(Math.floorDiv(a.atimeNanos(), 1_000_000_000L), nanos(a.atimeNanos()))
        .mtime(Math.floorDiv(a.mtimeNanos(), 1_000_000_000L), nanos(a.mtimeNanos()))
        .ctime(Math.floorDiv(a.ctimeNanos(), 1_000_000_000L), nanos(a.ctimeNanos()));
  }

  private static int nanos(long epochNanos) {
    return (int) Math.floorMod(epochNanos, 1_000_000_000L);
  }

  @Override
  public int lookup(Caller c, long parent, byte[] name, Entry e) {
    return boundary.call(
        FsOp.GETATTR, name, () -> entry(parent, name, fs.getattr(path(parent, name)), e));
  }

  @Override
  public void forget(long node, long n) {
    nodes.forget(node, n);
  }

  @Override
  public int getattr(Caller c, long node, long fh, org.latticefs.fs.fuse.kernel.Attr a) {
    return boundary.call(
        fh >= 0 ? FsOp.FGETATTR : FsOp.GETATTR, (String) null, () -> fill(attributes(node, fh), a));
  }

  /** Through the open file's handle when there is one (its name may be gone), else the path. */
  private Attr attributes(long node, long fh) throws IOException {
    if (fh >= 0) {
      try {
        return fs.getattr(fh);
      } catch (FsException e) {
        if (e.errno() != Errno.EBADF) {
          throw e;
        }
      }
    }
    if (!nodes.hasPath(node)) {
      Set<Long> open = handles.get(node);
      Long any = open == null ? null : open.stream().findAny().orElse(null);
      if (any != null) {
        return unlinked(fs.getattr(any));
      }
    }
    return fs.getattr(path(node));
  }

  /**
   * The attributes of an open file whose name is gone: one link fewer than the core counts through
   * the handle (as libfuse2 answers for a file it hid), so {@code fstat} after {@code unlink} shows
   * a link count of 0.
   */
  private static Attr unlinked(Attr a) {
    return new Attr(
        a.ino(),
        a.kind(),
        a.mode(),
        a.uid(),
        a.gid(),
        Math.max(0, a.nlink() - 1),
        a.size(),
        a.atimeNanos(),
        a.mtimeNanos(),
        a.ctimeNanos(),
        a.rdev(),
        a.storedBytes());
  }

  private void opened(long node, long fh) {
    handles.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet()).add(fh);
  }

  private void closed(long node, long fh) {
    handles.computeIfPresent(node, (n, set) -> set.remove(fh) && set.isEmpty() ? null : set);
  }

  @Override
  public int setattr(Caller c, long node, SetAttr s, org.latticefs.fs.fuse.kernel.Attr a) {
    return boundary.call(
        FsOp.UTIMENS,
        (String) null,
        () -> {
          if (s.hasMode()) {
            fs.chmod(path(node), s.mode() & 07777);
          }
          if (s.hasUid() || s.hasGid()) {
            fs.chown(path(node), s.hasUid() ? s.uid() : -1, s.hasGid() ? s.gid() : -1);
          }
          if (s.hasSize()) {
            if (s.fh() >= 0) {
              fs.ftruncate(s.fh(), s.size());
            } else {
              fs.truncate(path(node), s.size());
            }
          }
          if (s.hasAtime() || s.hasMtime()) {
            fs.utimens(
                path(node),
                change(s.hasAtime(), s.atimeNow(), s.atime(), s.atimeNsec()),
                change(s.hasMtime(), s.mtimeNow(), s.mtime(), s.mtimeNsec()));
          }
          fill(attributes(node, s.fh()), a);
        });
  }

  private static TimeChange change(boolean set, boolean now, long sec, int nsec) {
    if (!set) {
      return TimeChange.KEEP;
    }
    return now ? TimeChange.NOW : TimeChange.at(sec * 1_000_000_000L + nsec);
  }

  @Override
  public int readlink(Caller c, long node, Bytes target) {
    return boundary.call(
        FsOp.READLINK, (String) null, () -> target.set(KeyBytes.encode(fs.readlink(path(node)))));
  }

  @Override
  public int mknod(Caller c, long parent, byte[] name, int mode, int rdev, Entry e) {
    return boundary.call(
        FsOp.MKNOD,
        name,
        () -> {
          String p = path(parent, name);
          LibfuseAdapter.makeNode(fs, p, mode, Integer.toUnsignedLong(rdev), owner(c));
          entry(parent, name, fs.getattr(p), e);
        });
  }

  @Override
  public int mkdir(Caller c, long parent, byte[] name, int mode, Entry e) {
    return boundary.call(
        FsOp.MKDIR,
        name,
        () -> {
          String p = path(parent, name);
          fs.mkdir(p, mode & 07777, owner(c));
          entry(parent, name, fs.getattr(p), e);
        });
  }

  @Override
  public int unlink(Caller c, long parent, byte[] name) {
    return boundary.call(
        FsOp.UNLINK,
        name,
        () -> {
          fs.unlink(path(parent, name));
          nodes.remove(parent, name);
        });
  }

  @Override
  public int rmdir(Caller c, long parent, byte[] name) {
    return boundary.call(
        FsOp.RMDIR,
        name,
        () -> {
          fs.rmdir(path(parent, name));
          nodes.remove(parent, name);
        });
  }

  @Override
  public int symlink(Caller c, long parent, byte[] name, byte[] target, Entry e) {
    return boundary.call(
        FsOp.SYMLINK,
        name,
        () -> {
          String p = path(parent, name);
          fs.symlink(KeyBytes.decode(target), p, owner(c));
          entry(parent, name, fs.getattr(p), e);
        });
  }

  /** {@code RENAME_NOREPLACE} and {@code RENAME_EXCHANGE} are not offered: EINVAL. */
  @Override
  public int rename(Caller c, long parent, byte[] name, long newParent, byte[] newName, int flags) {
    return boundary.call(
        FsOp.RENAME,
        name,
        () -> {
          if (flags != 0) {
            throw new FsException(Errno.EINVAL, "rename flags " + flags + " are not supported");
          }
          fs.rename(path(parent, name), path(newParent, newName));
          nodes.move(parent, name, newParent, newName);
        });
  }

  @Override
  public int link(Caller c, long node, long newParent, byte[] newName, Entry e) {
    return boundary.call(
        FsOp.LINK,
        newName,
        () -> {
          String p = path(newParent, newName);
          fs.link(path(node), p);
          entry(newParent, newName, fs.getattr(p), e);
        });
  }

  @Override
  public int open(Caller c, long node, int flags, Opened o) {
    return boundary.call(
        FsOp.OPEN,
        (String) null,
        () -> {
          long fh = fs.open(path(node), flags);
          o.handle(fh);
          opened(node, fh);
        });
  }

  @Override
  public int create(Caller c, long parent, byte[] name, int mode, int flags, Entry e, Opened o) {
    return boundary.call(
        FsOp.CREATE,
        name,
        () -> {
          long fh = fs.create(path(parent, name), mode & 07777, flags, owner(c));
          o.handle(fh);
          entry(parent, name, fs.getattr(fh), e);
          opened(e.nodeId(), fh);
        });
  }

  @Override
  public int read(Caller c, long node, long fh, long offset, ByteBuffer dst) {
    return boundary.answer(
        FsOp.READ, (String) null, () -> LibfuseAdapter.readFully(fs, fh, offset, dst));
  }

  @Override
  public int write(Caller c, long node, long fh, long offset, ByteBuffer src) {
    return boundary.answer(FsOp.WRITE, (String) null, () -> fs.write(fh, offset, src));
  }

  @Override
  public int flush(Caller c, long node, long fh) {
    return boundary.call(FsOp.FLUSH, (String) null, () -> fs.flush(fh));
  }

  @Override
  public int release(long node, long fh, int flags) {
    return boundary.call(
        FsOp.RELEASE,
        (String) null,
        () -> {
          closed(node, fh);
          fs.release(fh);
        });
  }

  @Override
  public int fsync(Caller c, long node, long fh, boolean dataOnly) {
    return boundary.call(FsOp.FSYNC, (String) null, () -> fs.fsync(fh));
  }

  @Override
  public int opendir(Caller c, long node, int flags, Opened o) {
    return boundary.call(FsOp.OPENDIR, (String) null, () -> o.handle(fs.opendir(path(node))));
  }

  /**
   * Paged like {@link LibfuseAdapter}'s; in plus mode each entry (but {@code .} and {@code ..})
   * carries its attributes and a reference, so the kernel needs no lookup per name.
   */
  @Override
  public int readdir(Caller c, long node, long fh, long offset, DirList list) {
    return boundary.call(FsOp.READDIR, (String) null, () -> list(node, fh, offset, list));
  }

  private void list(long node, long fh, long offset, DirList list) throws IOException {
    long off = offset;
    while (true) {
      List<DirEntry> page = fs.readdir(fh, off, READDIR_PAGE);
      if (page.isEmpty()) {
        return;
      }
      for (DirEntry d : page) {
        byte[] name = KeyBytes.encode(d.name());
        if (!add(node, name, d.nextOffset(), list)) {
          return;
        }
        off = d.nextOffset();
      }
    }
  }

  private boolean add(long dir, byte[] name, long next, DirList list) throws IOException {
    boolean dots = d(name);
    if (!list.plus() || dots) {
      return list.add(name, UNKNOWN_INO, 0, next);
    }
    Attr a;
    try {
      a = fs.getattr(path(dir, name));
    } catch (FsException gone) {
      return list.add(name, UNKNOWN_INO, 0, next);
    }
    Entry e = list.entry();
    fill(a, e.attr());
    long id = nodes.ref(dir, name);
    e.node(id, 0);
    if (!list.addPlus(name, e, next)) {
      nodes.forget(id, 1);
      return false;
    }
    return true;
  }

  private static boolean d(byte[] name) {
    return (name.length == 1 && name[0] == '.')
        || (name.length == 2 && name[0] == '.' && name[1] == '.');
  }

  @Override
  public int releasedir(long node, long fh) {
    return boundary.call(FsOp.RELEASEDIR, (String) null, () -> fs.releasedir(fh));
  }

  @Override
  public int fsyncdir(Caller c, long node, long fh, boolean dataOnly) {
    return boundary.call(
        FsOp.FSYNCDIR,
        (String) null,
        () -> {
          String p = nodes.path(node);
          fs.fsyncdir(p == null ? "/" : p);
        });
  }

  @Override
  public int statfs(Caller c, long node, StatFs st) {
    return boundary.call(
        FsOp.STATFS,
        (String) null,
        () -> {
          FsStats s = fs.statfs();
          st.blocks((int) s.blockSize(), s.totalBlocks(), s.freeBlocks(), s.availableBlocks())
              .files(s.files(), s.freeFiles())
              .nameMax(LatticeFileSystem.NAME_MAX);
        });
  }

  /** Only without {@code default_permissions} (which Lattice always sets): existence. */
  @Override
  public int access(Caller c, long node, int mask) {
    return boundary.call(FsOp.ACCESS, (String) null, () -> fs.getattr(path(node)));
  }

  @Override
  public int setxattr(Caller c, long node, byte[] name, ByteBuffer value, int flags) {
    return boundary.call(
        FsOp.SETXATTR,
        (String) null,
        () -> {
          if (value.remaining() > Inode.MAX_XATTR_VALUE) {
            throw new FsException(Errno.E2BIG, "an xattr value is at most 64 KiB");
          }
          byte[] v = new byte[value.remaining()];
          value.get(v);
          fs.setxattr(path(node), KeyBytes.decode(name), v, flags);
        });
  }

  @Override
  public int getxattr(Caller c, long node, byte[] name, Bytes value) {
    return boundary.call(
        FsOp.GETXATTR,
        (String) null,
        () -> value.set(fs.getxattr(path(node), KeyBytes.decode(name))));
  }

  @Override
  public int listxattr(Caller c, long node, Bytes names) {
    return boundary.call(
        FsOp.LISTXATTR,
        (String) null,
        () -> {
          ByteArrayOutputStream all = new ByteArrayOutputStream();
          for (String n : fs.listxattr(path(node))) {
            all.write(KeyBytes.encode(n));
            all.write(0);
          }
          names.set(all.toByteArray());
        });
  }

  @Override
  public int removexattr(Caller c, long node, byte[] name) {
    return boundary.call(
        FsOp.REMOVEXATTR, (String) null, () -> fs.removexattr(path(node), KeyBytes.decode(name)));
  }
}
