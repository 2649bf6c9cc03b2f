package org.latticefs.bench.fs;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jnr.constants.platform.Errno;

/**
 * The in-memory filesystem the FUSE ceiling benchmarks serve, whatever the binding: a hash-map
 * lookup and a copy per request, no disk and no Lattice code. {@link MemoryFs} serves it through
 * jnr-fuse (libfuse2), bench/jfuse's {@code JfuseMemory} through jfuse (libfuse3 over FFM), so both
 * measure their binding over the same code.
 *
 * <p>Files keep their bytes off the Java heap, in blocks of up to 64 KiB allocated zeroed by the C
 * allocator (small files take only what they hold; a heap version spent half of a 1 GiB write in G1
 * pauses copying the blocks), freed on truncate or when an unlinked file's last handle closes.
 * Bytes move between those blocks and the binding's request buffer by native address. Files and
 * directories only (create, open, read, write, truncate, utimens, unlink, mkdir, rmdir, readdir);
 * no links, xattrs or renames. Not a product: a measuring stick.
 *
 * <p>Every operation returns 0 (or a count, or a handle) on success and a negative Linux errno on
 * failure, as FUSE callbacks do. Concurrency: the path map and each directory's entries are
 * concurrent maps; a file's bytes and open count are guarded by the file's node. An unlinked file
 * stays readable through its open handles.
 */
public final class MemoryTree implements BenchTree {
  private static final int BLOCK = 1 << 16;
  private static final MemoryIO IO = MemoryIO.getInstance();

  private final boolean discard;
  private final Map<String, Node> nodes = new ConcurrentHashMap<>();
  private final Map<Long, Node> open = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final AtomicLong nextIno = new AtomicLong(2);
  private final int uid;
  private final int gid;

  /**
   * An empty tree owned by this process's user. With {@code discard}, writes only move the file's
   * size (their bytes are dropped and read back as zeros): the write path with no copy and no
   * allocation.
   */
  public MemoryTree(boolean discard) throws IOException {
    this.discard = discard;
    nodes.put("/", new Node(1, true, 0755));
    Path self = Path.of("/proc/self");
    uid = (Integer) Files.getAttribute(self, "unix:uid");
    gid = (Integer) Files.getAttribute(self, "unix:gid");
  }

  private static int err(Errno e) {
    return -e.intValue();
  }

  /** A file or directory; a file's blocks are guarded by the node itself. */
  private final class Node {
    final long ino;
    final boolean dir;
    final Map<String, Node> entries;
    volatile int mode;
    volatile long mtime = System.currentTimeMillis() * 1_000_000L;
    volatile long ctime = mtime;
    volatile long size;
    private long[] blocks = new long[1];
    private int[] caps = new int[1];
    private int opens;
    private boolean unlinked;

    Node(long ino, boolean dir, int mode) {
      this.ino = ino;
      this.dir = dir;
      this.mode = mode;
      this.entries = dir ? new ConcurrentSkipListMap<>() : null;
    }

    synchronized int read(long dst, long offset, int len) {
      if (offset >= size) {
        return 0;
      }
      int n = (int) Math.min(len, size - offset);
      for (int done = 0; done < n; ) {
        long pos = offset + done;
        int bi = (int) (pos / BLOCK);
        int at = (int) (pos % BLOCK);
        int k = Math.min(n - done, BLOCK - at);
        int have =
            bi < blocks.length && blocks[bi] != 0 ? Math.max(0, Math.min(k, caps[bi] - at)) : 0;
        if (have > 0) {
          IO.copyMemory(blocks[bi] + at, dst + done, have);
        }
        if (have < k) {
          IO.setMemory(dst + done + have, k - have, (byte) 0);
        }
        done += k;
      }
      return n;
    }

    synchronized void write(long src, long offset, int len) {
      for (int done = 0; !discard && done < len; ) {
        long pos = offset + done;
        int bi = (int) (pos / BLOCK);
        int at = (int) (pos % BLOCK);
        int k = Math.min(len - done, BLOCK - at);
        IO.copyMemory(src + done, block(bi, at + k) + at, k);
        done += k;
      }
      size = Math.max(size, offset + len);
      mtime = System.currentTimeMillis() * 1_000_000L;
    }

    /** Block {@code bi}, at least {@code need} bytes long (a power of two up to a full block). */
    private long block(int bi, int need) {
      if (bi >= blocks.length) {
        int n = Math.max(bi + 1, blocks.length * 2);
        blocks = Arrays.copyOf(blocks, n);
        caps = Arrays.copyOf(caps, n);
      }
      if (blocks[bi] == 0 || caps[bi] < need) {
        int cap = Math.min(BLOCK, Integer.highestOneBit(Math.max(need, 512) - 1) << 1);
        long b = IO.allocateMemory(cap, true);
        if (b == 0) {
          throw new OutOfMemoryError("allocating " + cap + " bytes");
        }
        if (blocks[bi] != 0) {
          IO.copyMemory(blocks[bi], b, caps[bi]);
          IO.freeMemory(blocks[bi]);
        }
        blocks[bi] = b;
        caps[bi] = cap;
      }
      return blocks[bi];
    }

    synchronized void truncate(long newSize) {
      if (newSize < size) {
        int last = (int) (newSize / BLOCK);
        int at = (int) (newSize % BLOCK);
        if (last < blocks.length && blocks[last] != 0 && at < caps[last]) {
          IO.setMemory(blocks[last] + at, caps[last] - at, (byte) 0);
        }
        freeFrom(at == 0 ? last : last + 1);
      }
      size = newSize;
      mtime = System.currentTimeMillis() * 1_000_000L;
    }

    private void freeFrom(int first) {
      for (int i = first; i < blocks.length; i++) {
        if (blocks[i] != 0) {
          IO.freeMemory(blocks[i]);
          blocks[i] = 0;
        }
      }
    }

    synchronized void opened() {
      opens++;
    }

    synchronized void closed() {
      if (--opens == 0 && unlinked) {
        freeFrom(0);
      }
    }

    synchronized void unlinked() {
      unlinked = true;
      if (opens == 0) {
        freeFrom(0);
      }
    }
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash == 0 ? "/" : path.substring(0, slash);
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  @Override
  public int stat(String path, Consumer<Attrs> out) {
    Node n = nodes.get(path);
    if (n == null) {
      return err(Errno.ENOENT);
    }
    out.accept(
        new Attrs(
            (n.dir ? S_IFDIR : S_IFREG) | n.mode,
            n.ino,
            n.dir ? 2 : 1,
            uid,
            gid,
            n.dir ? 4096 : n.size,
            n.mtime,
            n.mtime,
            n.ctime));
    return 0;
  }

  private int add(String path, boolean dir, long mode) {
    Node p = nodes.get(parent(path));
    if (p == null) {
      return err(Errno.ENOENT);
    }
    if (!p.dir) {
      return err(Errno.ENOTDIR);
    }
    Node n = new Node(nextIno.getAndIncrement(), dir, (int) (mode & 07777));
    if (nodes.putIfAbsent(path, n) != null) {
      return err(Errno.EEXIST);
    }
    p.entries.put(name(path), n);
    return 0;
  }

  @Override
  public long create(String path, long mode) {
    int rc = add(path, false, mode);
    return rc != 0 ? rc : open(path);
  }

  @Override
  public int mkdir(String path, long mode) {
    return add(path, true, mode);
  }

  @Override
  public long open(String path) {
    Node n = nodes.get(path);
    if (n == null) {
      return err(Errno.ENOENT);
    }
    long fh = nextHandle.getAndIncrement();
    n.opened();
    open.put(fh, n);
    return fh;
  }

  /** Copies up to {@code len} bytes at {@code offset} to native memory at {@code dst}. */
  public int read(long fh, long dst, long offset, int len) {
    Node n = open.get(fh);
    return n == null ? err(Errno.EBADF) : n.read(dst, offset, len);
  }

  /** Copies {@code len} bytes from native memory at {@code src} to {@code offset}. */
  public int write(long fh, long src, long offset, int len) {
    Node n = open.get(fh);
    if (n == null) {
      return err(Errno.EBADF);
    }
    n.write(src, offset, len);
    return len;
  }

  @Override
  public int release(long fh) {
    Node n = open.remove(fh);
    if (n != null) {
      n.closed();
    }
    return 0;
  }

  @Override
  public int truncate(String path, long fh, long size) {
    Node n = open.get(fh);
    n = n != null ? n : nodes.get(path);
    if (n == null) {
      return err(Errno.ENOENT);
    }
    if (n.dir) {
      return err(Errno.EISDIR);
    }
    n.truncate(size);
    return 0;
  }

  @Override
  public int setMtime(String path, long nanos) {
    Node n = nodes.get(path);
    if (n == null) {
      return err(Errno.ENOENT);
    }
    n.mtime = nanos;
    return 0;
  }

  @Override
  public int unlink(String path) {
    Node n = nodes.get(path);
    if (n == null) {
      return err(Errno.ENOENT);
    }
    if (n.dir) {
      return err(Errno.EISDIR);
    }
    nodes.remove(path);
    nodes.get(parent(path)).entries.remove(name(path));
    n.unlinked();
    return 0;
  }

  @Override
  public int rmdir(String path) {
    Node n = nodes.get(path);
    if (n == null) {
      return err(Errno.ENOENT);
    }
    if (!n.dir) {
      return err(Errno.ENOTDIR);
    }
    if (!n.entries.isEmpty()) {
      return err(Errno.ENOTEMPTY);
    }
    nodes.remove(path);
    nodes.get(parent(path)).entries.remove(name(path));
    return 0;
  }

  @Override
  public int list(String path, Consumer<String> out) {
    Node n = nodes.get(path);
    if (n == null) {
      return err(Errno.ENOENT);
    }
    if (!n.dir) {
      return err(Errno.ENOTDIR);
    }
    out.accept(".");
    out.accept("..");
    n.entries.keySet().forEach(out);
    return 0;
  }
}
