package org.latticefs.fs.fuse.libfuse;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A small in-memory filesystem on the byte-name binding, for tests and the binding benchmark:
 * directories, regular files, symlinks, special files, hard links, xattrs, with names kept as the
 * exact bytes received. One lock serializes every operation (correct, not fast under contention).
 *
 * <p>For tests it records the {@code utimens} calls and the {@link RequestContext} of each {@code
 * create}, {@code mknod} and {@code mkdir} and the path of each {@code write}, and lets them read
 * the tree back as bytes ({@link #names}, {@link #node}). Names over 255 bytes are refused with
 * ENAMETOOLONG, as Linux filesystems do; a name ending in {@code .throws} makes {@code getattr}
 * throw, to show the binding's boundary.
 *
 * <p>Directory listings are paged: the offset of an entry is its position plus one.
 */
public final class MemoryRawFs implements RawFileSystem {
  static final int ENOENT = 2;
  static final int EEXIST = 17;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int EINVAL = 22;
  static final int ENAMETOOLONG = 36;
  static final int ENOTEMPTY = 39;
  static final int ENODATA = 61;
  static final int EBADF = 9;

  /** A name as a map key: equal when the bytes are (also {@code MemoryInodeFs}'s). */
  public record Name(byte[] bytes) implements Comparable<Name> {
    @Override
    public boolean equals(Object o) {
      return o instanceof Name n && Arrays.equals(bytes, n.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(Name o) {
      return Arrays.compareUnsigned(bytes, o.bytes);
    }
  }

  /** One inode. Guarded by the filesystem's lock. */
  static final class Node {
    final long ino;
    int mode;
    int uid;
    int gid;
    long rdev;
    long nlink = 1;
    byte[] data = new byte[0];
    byte[] target;
    final NavigableMap<Name, Node> children = new TreeMap<>();
    final Map<Name, byte[]> xattrs = new HashMap<>();
    long atimeSec;
    long atimeNsec;
    long mtimeSec;
    long mtimeNsec;

    Node(long ino, int mode, int uid, int gid) {
      this.ino = ino;
      this.mode = mode;
      this.uid = uid;
      this.gid = gid;
      Instant now = Instant.now();
      atimeSec = mtimeSec = now.getEpochSecond();
      atimeNsec = mtimeNsec = now.getNano();
    }

    boolean isDir() {
      return (mode & Stat.S_IFMT) == Stat.S_IFDIR;
    }
  }

  /** A recorded utimens call. */
  public record UtimensCall(byte[] path, TimeSpec atime, TimeSpec mtime) {}

  /** A recorded creation and who asked for it. */
  public record Creation(byte[] path, RequestContext context) {}

  private final Object lock = new Object();
  private final AtomicLong nextIno = new AtomicLong(2);
  private final AtomicLong nextFh = new AtomicLong(1);
  private final Map<Long, Node> handles = new ConcurrentHashMap<>();
  private final Node root = new Node(1, Stat.S_IFDIR | 0755, 0, 0);
  final List<UtimensCall> utimensCalls = Collections.synchronizedList(new ArrayList<>());
  final List<Creation> creations = Collections.synchronizedList(new ArrayList<>());

  /** The path of every write, as received (null when libfuse passed none). */
  final List<byte[]> writePaths = Collections.synchronizedList(new ArrayList<>());

  volatile boolean initialized;
  volatile boolean destroyed;

  private final Supplier<RequestContext> callers;

  /** Owners and recorded creations from {@link RequestContext#current()}. */
  public MemoryRawFs() {
    this(RequestContext::current);
  }

  /** Owners and recorded creations from {@code callers} (for use on other bindings). */
  public MemoryRawFs(Supplier<RequestContext> callers) {
    this.callers = callers;
    root.nlink = 2;
  }

  // ---- for tests ----

  /** The names in the directory at {@code path}, as bytes, in byte order. */
  List<byte[]> names(byte[] path) {
    List<byte[]> out = new ArrayList<>();
    synchronized (lock) {
      for (Name n : node(path).children.keySet()) {
        out.add(n.bytes());
      }
    }
    return out;
  }

  /** The node at {@code path}, or null. */
  Node node(byte[] path) {
    synchronized (lock) {
      try {
        return lookup(path);
      } catch (Errno e) {
        return null;
      }
    }
  }

  // ---- RawFileSystem ----

  @Override
  public void init(ConnectionInfo connection) {
    initialized = true;
  }

  @Override
  public void destroy() {
    destroyed = true;
  }

  @Override
  public int getattr(byte[] path, Stat stat) {
    if (endsWith(path, ".throws")) {
      throw new IllegalStateException("getattr of a .throws name (on purpose)");
    }
    synchronized (lock) {
      try {
        fill(lookup(path), stat);
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int fgetattr(byte[] path, Stat stat, long fh) {
    Node n = handles.get(fh);
    if (n == null) {
      return -EBADF;
    }
    synchronized (lock) {
      fill(n, stat);
      return 0;
    }
  }

  @Override
  public int readlink(byte[] path, ReplyBuffer target) {
    synchronized (lock) {
      try {
        Node n = lookup(path);
        if (n.target == null) {
          return -EINVAL;
        }
        return target.replyLink(n.target);
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int mknod(byte[] path, int mode, long rdev) {
    RequestContext ctx = callers.get();
    int rc = add(path, mode, ctx, null);
    if (rc == 0) {
      synchronized (lock) {
        node(path).rdev = rdev;
      }
    }
    return rc;
  }

  @Override
  public int mkdir(byte[] path, int mode) {
    return add(path, Stat.S_IFDIR | (mode & 07777), callers.get(), null);
  }

  @Override
  public int symlink(byte[] target, byte[] linkPath) {
    return add(linkPath, Stat.S_IFLNK | 0777, callers.get(), target);
  }

  @Override
  public int create(byte[] path, int mode, FileInfo fi) {
    int rc = add(path, Stat.S_IFREG | (mode & 07777), callers.get(), null);
    if (rc == 0) {
      fi.setFh(handle(node(path)));
    }
    return rc;
  }

  private int add(byte[] path, int mode, RequestContext ctx, byte[] target) {
    synchronized (lock) {
      try {
        Node dir = lookup(parent(path));
        Name name = leaf(path);
        if (dir.children.containsKey(name)) {
          return -EEXIST;
        }
        Node n = new Node(nextIno.getAndIncrement(), mode, ctx.uid(), ctx.gid());
        n.target = target;
        if (n.isDir()) {
          n.nlink = 2;
          dir.nlink++;
        }
        dir.children.put(name, n);
        creations.add(new Creation(path, ctx));
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int unlink(byte[] path) {
    return remove(path, false);
  }

  @Override
  public int rmdir(byte[] path) {
    return remove(path, true);
  }

  private int remove(byte[] path, boolean dir) {
    synchronized (lock) {
      try {
        Node parent = lookup(parent(path));
        Name name = leaf(path);
        Node n = parent.children.get(name);
        if (n == null) {
          return -ENOENT;
        }
        if (n.isDir() != dir) {
          return dir ? -ENOTDIR : -EISDIR;
        }
        if (dir && !n.children.isEmpty()) {
          return -ENOTEMPTY;
        }
        parent.children.remove(name);
        n.nlink--;
        if (dir) {
          parent.nlink--;
        }
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int rename(byte[] from, byte[] to) {
    synchronized (lock) {
      try {
        Node src = lookup(parent(from));
        Node dst = lookup(parent(to));
        Node n = src.children.get(leaf(from));
        if (n == null) {
          return -ENOENT;
        }
        Node replaced = dst.children.get(leaf(to));
        if (replaced != null && replaced.isDir() && !replaced.children.isEmpty()) {
          return -ENOTEMPTY;
        }
        src.children.remove(leaf(from));
        dst.children.put(leaf(to), n);
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int link(byte[] existing, byte[] newPath) {
    synchronized (lock) {
      try {
        Node n = lookup(existing);
        Node dir = lookup(parent(newPath));
        if (dir.children.putIfAbsent(leaf(newPath), n) != null) {
          return -EEXIST;
        }
        n.nlink++;
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int chmod(byte[] path, int mode) {
    synchronized (lock) {
      try {
        Node n = lookup(path);
        n.mode = (n.mode & Stat.S_IFMT) | (mode & 07777);
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int chown(byte[] path, int uid, int gid) {
    synchronized (lock) {
      try {
        Node n = lookup(path);
        if (uid != -1) {
          n.uid = uid;
        }
        if (gid != -1) {
          n.gid = gid;
        }
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int truncate(byte[] path, long size) {
    synchronized (lock) {
      try {
        Node n = lookup(path);
        n.data = Arrays.copyOf(n.data, Math.toIntExact(size));
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int utimens(byte[] path, TimeSpec atime, TimeSpec mtime) {
    utimensCalls.add(new UtimensCall(path, atime, mtime));
    synchronized (lock) {
      try {
        Node n = lookup(path);
        Instant now = Instant.now();
        if (!atime.isOmit()) {
          n.atimeSec = atime.isNow() ? now.getEpochSecond() : atime.seconds();
          n.atimeNsec = atime.isNow() ? now.getNano() : atime.nanos();
        }
        if (!mtime.isOmit()) {
          n.mtimeSec = mtime.isNow() ? now.getEpochSecond() : mtime.seconds();
          n.mtimeNsec = mtime.isNow() ? now.getNano() : mtime.nanos();
        }
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int open(byte[] path, FileInfo fi) {
    synchronized (lock) {
      try {
        fi.setFh(handle(lookup(path)));
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int read(byte[] path, ByteBuffer dst, long offset, long fh) {
    Node n = handles.get(fh);
    if (n == null) {
      return -EBADF;
    }
    synchronized (lock) {
      if (offset >= n.data.length) {
        return 0;
      }
      int len = (int) Math.min(dst.remaining(), n.data.length - offset);
      dst.put(n.data, (int) offset, len);
      return len;
    }
  }

  @Override
  public int write(byte[] path, ByteBuffer src, long offset, long fh) {
    writePaths.add(path);
    Node n = handles.get(fh);
    if (n == null) {
      return -EBADF;
    }
    synchronized (lock) {
      int len = src.remaining();
      long end = offset + len;
      if (end > n.data.length) {
        n.data = Arrays.copyOf(n.data, Math.toIntExact(end));
      }
      src.get(n.data, (int) offset, len);
      return len;
    }
  }

  @Override
  public int statfs(byte[] path, StatVfs stat) {
    stat.setBlockSize(4096)
        .setBlocks(1 << 20, 1 << 19, 1 << 19)
        .setFiles(1 << 20, 1 << 19, 1 << 19);
    stat.setNameMax(255);
    return 0;
  }

  @Override
  public int flush(byte[] path, FileInfo fi) {
    return handles.containsKey(fi.fh()) ? 0 : -EBADF;
  }

  @Override
  public int release(byte[] path, FileInfo fi) {
    return handles.remove(fi.fh()) != null ? 0 : -EBADF;
  }

  @Override
  public int fsync(byte[] path, boolean dataOnly, long fh) {
    return handles.containsKey(fh) ? 0 : -EBADF;
  }

  @Override
  public int setxattr(byte[] path, byte[] name, ByteBuffer value, int flags) {
    byte[] v = new byte[value.remaining()];
    value.get(v);
    synchronized (lock) {
      try {
        Node n = lookup(path);
        boolean exists = n.xattrs.containsKey(new Name(name));
        if ((flags & 1) != 0 && exists) {
          return -EEXIST;
        }
        if ((flags & 2) != 0 && !exists) {
          return -ENODATA;
        }
        n.xattrs.put(new Name(name), v);
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int getxattr(byte[] path, byte[] name, ReplyBuffer value) {
    synchronized (lock) {
      try {
        byte[] v = lookup(path).xattrs.get(new Name(name));
        return v == null ? -ENODATA : value.replyValue(v);
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int listxattr(byte[] path, ReplyBuffer list) {
    synchronized (lock) {
      try {
        List<byte[]> names = new ArrayList<>();
        for (Name n : lookup(path).xattrs.keySet()) {
          names.add(n.bytes());
        }
        return list.replyNames(names);
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int removexattr(byte[] path, byte[] name) {
    synchronized (lock) {
      try {
        return lookup(path).xattrs.remove(new Name(name)) == null ? -ENODATA : 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int opendir(byte[] path, FileInfo fi) {
    synchronized (lock) {
      try {
        Node n = lookup(path);
        if (!n.isDir()) {
          return -ENOTDIR;
        }
        fi.setFh(handle(n));
        return 0;
      } catch (Errno e) {
        return -e.code;
      }
    }
  }

  @Override
  public int readdir(byte[] path, DirFiller filler, long offset, long fh) {
    Node dir = handles.get(fh);
    if (dir == null) {
      return -EBADF;
    }
    List<Map.Entry<Name, Node>> entries;
    synchronized (lock) {
      entries = new ArrayList<>(dir.children.entrySet());
    }
    long position = offset;
    if (position == 0 && !filler.add(".".getBytes(), dir.ino, Stat.S_IFDIR, ++position)) {
      return 0;
    }
    if (position == 1 && !filler.add("..".getBytes(), 1, Stat.S_IFDIR, ++position)) {
      return 0;
    }
    for (int i = (int) position - 2; i < entries.size(); i++) {
      Map.Entry<Name, Node> e = entries.get(i);
      if (!filler.add(e.getKey().bytes(), e.getValue().ino, e.getValue().mode, i + 3)) {
        return 0;
      }
    }
    return 0;
  }

  @Override
  public int releasedir(byte[] path, FileInfo fi) {
    return handles.remove(fi.fh()) != null ? 0 : -EBADF;
  }

  // ---- internals ----

  private long handle(Node n) {
    long fh = nextFh.getAndIncrement();
    handles.put(fh, n);
    return fh;
  }

  private static void fill(Node n, Stat stat) {
    stat.setMode(n.mode)
        .setIno(n.ino)
        .setNlink(n.nlink)
        .setUid(n.uid)
        .setGid(n.gid)
        .setRdev(n.rdev)
        .setSize(n.target != null ? n.target.length : n.data.length)
        .setBlksize(4096)
        .setBlocks((n.data.length + 511) / 512)
        .setAtime(n.atimeSec, n.atimeNsec)
        .setMtime(n.mtimeSec, n.mtimeNsec)
        .setCtime(n.mtimeSec, n.mtimeNsec);
  }

  /** An errno as a control-flow exception inside the lock. */
  private static final class Errno extends Exception {
    final int code;

    Errno(int code) {
      super(null, null, false, false);
      this.code = code;
    }
  }

  private Node lookup(byte[] path) throws Errno {
    Node n = root;
    int start = 1;
    while (start < path.length) {
      int end = indexOf(path, (byte) '/', start);
      byte[] part = Arrays.copyOfRange(path, start, end);
      if (part.length > 255) {
        throw new Errno(ENAMETOOLONG);
      }
      if (!n.isDir()) {
        throw new Errno(ENOTDIR);
      }
      n = n.children.get(new Name(part));
      if (n == null) {
        throw new Errno(ENOENT);
      }
      start = end + 1;
    }
    return n;
  }

  private static byte[] parent(byte[] path) {
    int slash = lastSlash(path);
    return slash == 0 ? new byte[] {'/'} : Arrays.copyOf(path, slash);
  }

  private static Name leaf(byte[] path) throws Errno {
    byte[] name = Arrays.copyOfRange(path, lastSlash(path) + 1, path.length);
    if (name.length > 255) {
      throw new Errno(ENAMETOOLONG);
    }
    return new Name(name);
  }

  private static int lastSlash(byte[] path) {
    for (int i = path.length - 1; i >= 0; i--) {
      if (path[i] == '/') {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] a, byte b, int from) {
    for (int i = from; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return a.length;
  }

  private static boolean endsWith(byte[] a, String suffix) {
    byte[] s = suffix.getBytes();
    return a.length >= s.length && Arrays.equals(a, a.length - s.length, a.length, s, 0, s.length);
  }
}
