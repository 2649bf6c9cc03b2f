package org.latticefs.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.fs.fuse.libfuse.MemoryRawFs.Name;

/**
 * A small in-memory filesystem on the direct binding, for tests and the binding benchmark:
 * directories, regular files, symlinks, with byte names and lookup counts. One lock serializes
 * every operation.
 *
 * <p>With {@code keepBytes} false it is the benchmark's null filesystem: files keep their size but
 * not their bytes (reads return zeros), so a 1 GiB write costs no memory. Tests read the tree back
 * through {@link #lookupCount}, {@link #setContent} (a change behind the kernel's back) and {@link
 * #nodeOf}.
 */
public final class MemoryInodeFs implements InodeFileSystem {
  static final int ENOENT = 2;
  static final int EEXIST = 17;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int EINVAL = 22;
  static final int ENOTEMPTY = 39;
  static final int EFBIG = 27;

  /** The largest file that keeps its bytes (a fixture, not a store). */
  static final long MAX_KEPT = 64 << 20;

  static final int S_IFMT = 0170000;
  static final int S_IFDIR = 0040000;
  static final int S_IFREG = 0100000;
  static final int S_IFLNK = 0120000;

  private static final class Node {
    final long ino;
    int mode;
    int nlink = 1;
    long size;
    byte[] data = new byte[0];
    byte[] target;
    long lookups;
    long mtime = System.currentTimeMillis() / 1000;
    final NavigableMap<Name, Node> children = new TreeMap<>();

    Node(long ino, int mode) {
      this.ino = ino;
      this.mode = mode;
    }
  }

  private final boolean keepBytes;
  private final Map<Long, Node> nodes = new HashMap<>();
  private final AtomicLong nextIno = new AtomicLong(2);
  private final AtomicLong largestWrite = new AtomicLong();

  public MemoryInodeFs(boolean keepBytes) {
    this.keepBytes = keepBytes;
    Node root = new Node(1, S_IFDIR | 0755);
    root.nlink = 2;
    nodes.put(1L, root);
  }

  /** How many references the kernel holds to {@code node} (0 if unknown). */
  public synchronized long lookupCount(long node) {
    Node n = nodes.get(node);
    return n == null ? 0 : n.lookups;
  }

  /** The largest write request served so far, in bytes. */
  public long largestWrite() {
    return largestWrite.get();
  }

  /** The node id of {@code name} in the root, or 0. */
  public synchronized long nodeOf(byte[] name) {
    Node n = nodes.get(1L).children.get(new Name(name));
    return n == null ? 0 : n.ino;
  }

  /** Removes {@code name} from the root without telling the kernel (as a peer's delete would). */
  public synchronized void removeBehind(byte[] name) {
    if (remove(1, name, false) != 0) {
      throw new IllegalStateException("no such file");
    }
  }

  /** Replaces a file's bytes without telling the kernel (as a peer's change would). */
  public synchronized void setContent(long node, byte[] bytes) {
    Node n = nodes.get(node);
    n.data = bytes.clone();
    n.size = bytes.length;
    n.mtime++;
  }

  private void fill(Node n, Attr a) {
    a.set(n.ino, n.mode, n.nlink, 0, 0).size(n.size, (n.size + 511) / 512).blksize(4096);
    a.mtime(n.mtime, 0).ctime(n.mtime, 0).atime(n.mtime, 0);
  }

  private void entry(Node n, Entry e) {
    n.lookups++;
    e.node(n.ino, 0);
    fill(n, e.attr());
  }

  private Node dir(long node) {
    Node d = nodes.get(node);
    return d != null && (d.mode & S_IFMT) == S_IFDIR ? d : null;
  }

  @Override
  public synchronized int lookup(Caller c, long parent, byte[] name, Entry e) {
    Node d = dir(parent);
    if (d == null) {
      return -ENOTDIR;
    }
    Node n = d.children.get(new Name(name));
    if (n == null) {
      return -ENOENT;
    }
    entry(n, e);
    return 0;
  }

  @Override
  public synchronized void forget(long node, long n) {
    Node x = nodes.get(node);
    if (x != null && node != 1) {
      x.lookups -= n;
      if (x.lookups <= 0 && x.nlink == 0) {
        nodes.remove(node);
      }
    }
  }

  @Override
  public synchronized int getattr(Caller c, long node, long fh, Attr a) {
    Node n = nodes.get(node);
    if (n == null) {
      return -ENOENT;
    }
    fill(n, a);
    return 0;
  }

  @Override
  public synchronized int setattr(Caller c, long node, SetAttr s, Attr a) {
    Node n = nodes.get(node);
    if (n == null) {
      return -ENOENT;
    }
    if (s.hasSize()) {
      if ((n.mode & S_IFMT) != S_IFREG) {
        return -EINVAL;
      }
      if (keepBytes && s.size() > MAX_KEPT) {
        return -EFBIG;
      }
      n.size = s.size();
      if (keepBytes) {
        n.data = Arrays.copyOf(n.data, Math.toIntExact(s.size()));
      }
    }
    if (s.hasMode()) {
      n.mode = (n.mode & S_IFMT) | (s.mode() & 07777);
    }
    if (s.hasMtime()) {
      n.mtime = s.mtimeNow() ? System.currentTimeMillis() / 1000 : s.mtime();
    }
    fill(n, a);
    return 0;
  }

  private int add(long parent, byte[] name, Node n, Entry e) {
    Node d = dir(parent);
    if (d == null) {
      return -ENOTDIR;
    }
    Name key = new Name(name);
    if (d.children.containsKey(key)) {
      return -EEXIST;
    }
    d.children.put(key, n);
    nodes.put(n.ino, n);
    if ((n.mode & S_IFMT) == S_IFDIR) {
      d.nlink++;
    }
    entry(n, e);
    return 0;
  }

  @Override
  public synchronized int mkdir(Caller c, long parent, byte[] name, int mode, Entry e) {
    Node n = new Node(nextIno.getAndIncrement(), S_IFDIR | (mode & 07777));
    n.nlink = 2;
    return add(parent, name, n, e);
  }

  @Override
  public synchronized int symlink(Caller c, long parent, byte[] name, byte[] target, Entry e) {
    Node n = new Node(nextIno.getAndIncrement(), S_IFLNK | 0777);
    n.target = target;
    n.size = target.length;
    return add(parent, name, n, e);
  }

  @Override
  public synchronized int readlink(Caller c, long node, Bytes target) {
    Node n = nodes.get(node);
    if (n == null || n.target == null) {
      return -EINVAL;
    }
    target.set(n.target);
    return 0;
  }

  @Override
  public synchronized int create(
      Caller c, long parent, byte[] name, int mode, int flags, Entry e, Opened o) {
    Node n = new Node(nextIno.getAndIncrement(), S_IFREG | (mode & 07777));
    int r = add(parent, name, n, e);
    if (r == 0) {
      o.handle(n.ino);
    }
    return r;
  }

  @Override
  public synchronized int open(Caller c, long node, int flags, Opened o) {
    Node n = nodes.get(node);
    if (n == null) {
      return -ENOENT;
    }
    o.handle(node);
    return 0;
  }

  @Override
  public int read(Caller c, long node, long fh, long offset, ByteBuffer dst) {
    Node n;
    synchronized (this) {
      n = nodes.get(node);
      if (n == null) {
        return -ENOENT;
      }
      if (offset < 0) {
        return -EINVAL;
      }
      if (offset >= n.size) {
        return 0;
      }
      int len = (int) Math.min(dst.remaining(), n.size - offset);
      if (keepBytes) {
        dst.put(n.data, (int) offset, len);
        return len;
      }
      for (int i = 0; i < len; i++) {
        dst.put((byte) 0);
      }
      return len;
    }
  }

  @Override
  public synchronized int write(Caller c, long node, long fh, long offset, ByteBuffer src) {
    Node n = nodes.get(node);
    if (n == null) {
      return -ENOENT;
    }
    int len = src.remaining();
    largestWrite.accumulateAndGet(len, Math::max);
    long end = offset + len;
    if (offset < 0 || end < 0 || (keepBytes && end > MAX_KEPT)) {
      return -EFBIG;
    }
    if (keepBytes) {
      if (end > n.data.length) {
        n.data = Arrays.copyOf(n.data, Math.toIntExact(end));
      }
      src.get(n.data, (int) offset, len);
    }
    n.size = Math.max(n.size, end);
    return len;
  }

  @Override
  public int flush(Caller c, long node, long fh) {
    return 0;
  }

  @Override
  public int fsync(Caller c, long node, long fh, boolean dataOnly) {
    return 0;
  }

  private int remove(long parent, byte[] name, boolean wantDir) {
    Node d = dir(parent);
    if (d == null) {
      return -ENOTDIR;
    }
    Name key = new Name(name);
    Node n = d.children.get(key);
    if (n == null) {
      return -ENOENT;
    }
    boolean isDir = (n.mode & S_IFMT) == S_IFDIR;
    if (isDir != wantDir) {
      return wantDir ? -ENOTDIR : -EISDIR;
    }
    if (isDir && !n.children.isEmpty()) {
      return -ENOTEMPTY;
    }
    d.children.remove(key);
    if (isDir) {
      d.nlink--;
    }
    n.nlink = 0;
    if (n.lookups <= 0) {
      nodes.remove(n.ino);
    }
    return 0;
  }

  @Override
  public synchronized int unlink(Caller c, long parent, byte[] name) {
    return remove(parent, name, false);
  }

  @Override
  public synchronized int rmdir(Caller c, long parent, byte[] name) {
    return remove(parent, name, true);
  }

  @Override
  public synchronized int rename(
      Caller c, long parent, byte[] name, long newParent, byte[] newName, int flags) {
    if (flags != 0) {
      return -EINVAL;
    }
    Node from = dir(parent);
    Node to = dir(newParent);
    if (from == null || to == null) {
      return -ENOTDIR;
    }
    Node n = from.children.get(new Name(name));
    if (n == null) {
      return -ENOENT;
    }
    Node old = to.children.get(new Name(newName));
    if (old != null && (old.mode & S_IFMT) == S_IFDIR && !old.children.isEmpty()) {
      return -ENOTEMPTY;
    }
    from.children.remove(new Name(name));
    to.children.put(new Name(newName), n);
    if (old != null) {
      old.nlink = 0;
      if (old.lookups <= 0) {
        nodes.remove(old.ino);
      }
    }
    return 0;
  }

  @Override
  public synchronized int readdir(Caller c, long node, long fh, long offset, DirList list) {
    Node d = dir(node);
    if (d == null) {
      return -ENOTDIR;
    }
    long i = 0;
    for (Map.Entry<Name, Node> child : d.children.entrySet()) {
      i++;
      if (i <= offset) {
        continue;
      }
      Node n = child.getValue();
      boolean added;
      if (list.plus()) {
        Entry e = list.entry();
        e.node(n.ino, 0);
        fill(n, e.attr());
        added = list.addPlus(child.getKey().bytes(), e, i);
        if (added) {
          n.lookups++;
        }
      } else {
        added = list.add(child.getKey().bytes(), n.ino, (n.mode >>> 12) & 15, i);
      }
      if (!added) {
        break;
      }
    }
    return 0;
  }

  @Override
  public int statfs(Caller c, long node, StatFs st) {
    st.blocks(4096, 1 << 20, 1 << 19, 1 << 19).files(1 << 20, 1 << 19).nameMax(255);
    return 0;
  }
}
