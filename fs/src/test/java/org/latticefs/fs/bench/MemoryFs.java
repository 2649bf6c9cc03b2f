package org.latticefs.fs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.LibraryLoader;
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
 * An in-memory jnr-fuse filesystem that does no work beyond a hash-map lookup and a copy: the
 * ceiling of jnr-fuse and libfuse2 on this machine, with no disk and no Lattice code under it.
 * Files keep their bytes off the Java heap, in {@code calloc} blocks of up to 64 KiB (small files
 * take only what they hold; a heap version spent half of a 1 GiB write in G1 pauses copying the
 * blocks), freed on truncate or when an unlinked file's last handle closes. Only what the
 * benchmarks need is implemented: files and directories (create, open, read, write, truncate,
 * utimens, unlink, mkdir, rmdir, readdir); no links, xattrs or renames. Not a product: a measuring
 * stick, like {@link PassthroughFs}.
 *
 * <p>Concurrency: the path map and each directory's entries are concurrent maps; a file's bytes and
 * open count are guarded by the file's node. An unlinked file stays readable through its open
 * handles.
 *
 * <p>{@code main([none] MNT)}: mounts at MNT with Lattice's mount options (plus the {@code -o} list
 * in the system property {@code memoryfs.options}, if set), prints {@code MOUNTED}, serves until
 * stdin closes, then unmounts.
 */
public final class MemoryFs extends FuseStubFS {
  private static final int BLOCK = 1 << 16;

  /**
   * With the system property {@code memoryfs.discard=true}, writes only move the file's size (their
   * bytes are dropped and read back as zeros): the write path with no copy and no allocation.
   */
  private static final boolean DISCARD = Boolean.getBoolean("memoryfs.discard");

  private final Map<String, Node> nodes = new ConcurrentHashMap<>();
  private final Map<Long, Node> open = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final AtomicLong nextIno = new AtomicLong(2);
  private final int uid;
  private final int gid;

  MemoryFs() throws IOException {
    nodes.put("/", new Node(1, true, 0755));
    Path self = Path.of("/proc/self");
    uid = (Integer) Files.getAttribute(self, "unix:uid");
    gid = (Integer) Files.getAttribute(self, "unix:gid");
  }

  public static void main(String[] args) throws Exception {
    MemoryFs fs = new MemoryFs();
    Path mnt = Path.of(args[args.length - 1]);
    List<String> opts = new ArrayList<>(FuseMount.DEFAULT_OPTIONS);
    String extra = System.getProperty("memoryfs.options", "");
    if (!extra.isEmpty()) {
      opts.addAll(List.of("-o", extra));
    }
    fs.mount(mnt, false, false, opts.toArray(new String[0]));
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

  /** The C allocator: file bytes live off the Java heap, so no garbage collector copies them. */
  public interface LibC {
    Pointer calloc(@size_t long count, @size_t long size);

    void free(Pointer p);
  }

  private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

  /**
   * A file or directory. A file's bytes live in native blocks ({@code calloc}), guarded by the node
   * itself, freed when the file is truncated, or unlinked and no longer open.
   */
  private static final class Node {
    final long ino;
    final boolean dir;
    final Map<String, Node> entries;
    volatile int mode;
    volatile long mtime = System.currentTimeMillis() * 1_000_000L;
    volatile long ctime = mtime;
    volatile long size;
    private Pointer[] blocks = new Pointer[1];
    private int[] caps = new int[1];
    private int opens;
    private boolean unlinked;

    Node(long ino, boolean dir, int mode) {
      this.ino = ino;
      this.dir = dir;
      this.mode = mode;
      this.entries = dir ? new ConcurrentSkipListMap<>() : null;
    }

    synchronized int read(Pointer buf, long offset, int len) {
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
            bi < blocks.length && blocks[bi] != null ? Math.max(0, Math.min(k, caps[bi] - at)) : 0;
        if (have > 0) {
          blocks[bi].transferTo(at, buf, done, have);
        }
        if (have < k) {
          buf.setMemory(done + have, k - have, (byte) 0);
        }
        done += k;
      }
      return n;
    }

    synchronized void write(Pointer buf, long offset, int len) {
      for (int done = 0; !DISCARD && done < len; ) {
        long pos = offset + done;
        int bi = (int) (pos / BLOCK);
        int at = (int) (pos % BLOCK);
        int k = Math.min(len - done, BLOCK - at);
        buf.transferTo(done, block(bi, at + k), at, k);
        done += k;
      }
      size = Math.max(size, offset + len);
      mtime = System.currentTimeMillis() * 1_000_000L;
    }

    /** Block {@code bi}, at least {@code need} bytes long (a power of two up to a full block). */
    private Pointer block(int bi, int need) {
      if (bi >= blocks.length) {
        int n = Math.max(bi + 1, blocks.length * 2);
        blocks = Arrays.copyOf(blocks, n);
        caps = Arrays.copyOf(caps, n);
      }
      if (blocks[bi] == null || caps[bi] < need) {
        int cap = Math.min(BLOCK, Integer.highestOneBit(Math.max(need, 512) - 1) << 1);
        Pointer b = LIBC.calloc(1, cap);
        if (b == null) {
          throw new OutOfMemoryError("calloc(" + cap + ")");
        }
        if (blocks[bi] != null) {
          blocks[bi].transferTo(0, b, 0, caps[bi]);
          LIBC.free(blocks[bi]);
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
        if (last < blocks.length && blocks[last] != null && at < caps[last]) {
          blocks[last].setMemory(at, caps[last] - at, (byte) 0);
        }
        freeFrom(at == 0 ? last : last + 1);
      }
      size = newSize;
      mtime = System.currentTimeMillis() * 1_000_000L;
    }

    private void freeFrom(int first) {
      for (int i = first; i < blocks.length; i++) {
        if (blocks[i] != null) {
          LIBC.free(blocks[i]);
          blocks[i] = null;
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
  public int getattr(String path, FileStat stat) {
    Node n = nodes.get(path);
    if (n == null) {
      return -ErrorCodes.ENOENT();
    }
    stat.st_mode.set((n.dir ? FileStat.S_IFDIR : FileStat.S_IFREG) | n.mode);
    stat.st_ino.set(n.ino);
    stat.st_nlink.set(n.dir ? 2 : 1);
    stat.st_uid.set(uid);
    stat.st_gid.set(gid);
    long size = n.dir ? 4096 : n.size;
    stat.st_size.set(size);
    stat.st_blocks.set((size + 511) / 512);
    set(stat.st_mtim, n.mtime);
    set(stat.st_atim, n.mtime);
    set(stat.st_ctim, n.ctime);
    return 0;
  }

  private int add(String path, boolean dir, long mode) {
    Node p = nodes.get(parent(path));
    if (p == null) {
      return -ErrorCodes.ENOENT();
    }
    if (!p.dir) {
      return -ErrorCodes.ENOTDIR();
    }
    Node n = new Node(nextIno.getAndIncrement(), dir, (int) (mode & 07777));
    if (nodes.putIfAbsent(path, n) != null) {
      return -ErrorCodes.EEXIST();
    }
    p.entries.put(name(path), n);
    return 0;
  }

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    int rc = add(path, false, mode);
    return rc != 0 ? rc : open(path, fi);
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
    return add(path, true, mode);
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    Node n = nodes.get(path);
    if (n == null) {
      return -ErrorCodes.ENOENT();
    }
    long fh = nextHandle.getAndIncrement();
    n.opened();
    open.put(fh, n);
    fi.fh.set(fh);
    return 0;
  }

  @Override
  public int read(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    Node n = open.get(fi.fh.get());
    return n == null ? -ErrorCodes.EBADF() : n.read(buf, offset, (int) size);
  }

  @Override
  public int write(
      String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    Node n = open.get(fi.fh.get());
    if (n == null) {
      return -ErrorCodes.EBADF();
    }
    n.write(buf, offset, (int) size);
    return (int) size;
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    return 0;
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    Node n = open.remove(fi.fh.get());
    if (n != null) {
      n.closed();
    }
    return 0;
  }

  @Override
  public int truncate(String path, @off_t long size) {
    Node n = nodes.get(path);
    if (n == null) {
      return -ErrorCodes.ENOENT();
    }
    if (n.dir) {
      return -ErrorCodes.EISDIR();
    }
    n.truncate(size);
    return 0;
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    Node n = nodes.get(path);
    if (n == null) {
      return -ErrorCodes.ENOENT();
    }
    n.mtime = timespec[1].tv_sec.get() * 1_000_000_000L + timespec[1].tv_nsec.longValue();
    return 0;
  }

  @Override
  public int unlink(String path) {
    Node n = nodes.get(path);
    if (n == null) {
      return -ErrorCodes.ENOENT();
    }
    if (n.dir) {
      return -ErrorCodes.EISDIR();
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
      return -ErrorCodes.ENOENT();
    }
    if (!n.dir) {
      return -ErrorCodes.ENOTDIR();
    }
    if (!n.entries.isEmpty()) {
      return -ErrorCodes.ENOTEMPTY();
    }
    nodes.remove(path);
    nodes.get(parent(path)).entries.remove(name(path));
    return 0;
  }

  @Override
  public int readdir(
      String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
    Node n = nodes.get(path);
    if (n == null) {
      return -ErrorCodes.ENOENT();
    }
    if (!n.dir) {
      return -ErrorCodes.ENOTDIR();
    }
    filter.apply(buf, ".", null, 0);
    filter.apply(buf, "..", null, 0);
    for (String name : n.entries.keySet()) {
      filter.apply(buf, name, null, 0);
    }
    return 0;
  }

  private static void set(Timespec t, long nanos) {
    t.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
    t.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
  }
}
