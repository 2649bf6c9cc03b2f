package org.latticefs.fs.probe;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
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
 * An in-memory jfuse filesystem doing no work beyond a hash-map lookup and a copy: the ceiling of
 * jfuse and libfuse3 here, the counterpart of fs's jnr-fuse {@code org.latticefs.fs.bench.MemoryFs}
 * (same structure: a path map, per-directory entry maps, file bytes off the Java heap in {@code
 * calloc} blocks of up to 64 KiB, small files taking only what they hold, freed on truncate or when
 * an unlinked file's last handle closes). Files and directories only; an unlinked file stays
 * readable through its open handles.
 */
final class JfuseMemory implements FuseOperations {
  private static final int BLOCK = 1 << 16;

  /**
   * With the system property {@code probe.discard=true}, writes only move the file's size (their
   * bytes are dropped and read back as zeros): the write path with no copy and no allocation.
   */
  private static final boolean DISCARD = Boolean.getBoolean("probe.discard");

  private final Errno errno;
  private final Map<String, Node> nodes = new ConcurrentHashMap<>();
  private final Map<Long, Node> open = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final int uid;
  private final int gid;

  JfuseMemory(Errno errno) throws IOException {
    this.errno = errno;
    nodes.put("/", new Node(true, 0755));
    Path self = Path.of("/proc/self");
    uid = (Integer) Files.getAttribute(self, "unix:uid");
    gid = (Integer) Files.getAttribute(self, "unix:gid");
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

  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle CALLOC =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("calloc").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
  private static final MethodHandle FREE =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("free").orElseThrow(),
          FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));

  private static MemorySegment calloc(int size) {
    try {
      MemorySegment m = (MemorySegment) CALLOC.invokeExact(1L, (long) size);
      if (m.equals(MemorySegment.NULL)) {
        throw new OutOfMemoryError("calloc(" + size + ")");
      }
      return m.reinterpret(size);
    } catch (Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  private static void free(MemorySegment m) {
    try {
      FREE.invokeExact(m);
    } catch (Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A file or directory. A file's bytes live in native blocks ({@code calloc}), guarded by the node
   * itself, freed when the file is truncated, or unlinked and no longer open.
   */
  private static final class Node {
    final boolean dir;
    final Map<String, Node> entries;
    volatile int mode;
    volatile long mtime = System.currentTimeMillis() * 1_000_000L;
    volatile long ctime = mtime;
    volatile long size;
    private MemorySegment[] blocks = new MemorySegment[1];
    private int opens;
    private boolean unlinked;

    Node(boolean dir, int mode) {
      this.dir = dir;
      this.mode = mode;
      this.entries = dir ? new ConcurrentSkipListMap<>() : null;
    }

    synchronized int read(ByteBuffer buf, long offset, int len) {
      if (offset >= size) {
        return 0;
      }
      MemorySegment dst = MemorySegment.ofBuffer(buf);
      int n = (int) Math.min(len, size - offset);
      for (int done = 0; done < n; ) {
        long pos = offset + done;
        int bi = (int) (pos / BLOCK);
        int at = (int) (pos % BLOCK);
        int k = Math.min(n - done, BLOCK - at);
        MemorySegment b = bi < blocks.length ? blocks[bi] : null;
        int have = b == null ? 0 : (int) Math.max(0, Math.min(k, b.byteSize() - at));
        if (have > 0) {
          MemorySegment.copy(b, at, dst, done, have);
        }
        if (have < k) {
          dst.asSlice(done + have, k - have).fill((byte) 0);
        }
        done += k;
      }
      return n;
    }

    synchronized void write(ByteBuffer buf, long offset, int len) {
      MemorySegment src = MemorySegment.ofBuffer(buf);
      for (int done = 0; !DISCARD && done < len; ) {
        long pos = offset + done;
        int bi = (int) (pos / BLOCK);
        int at = (int) (pos % BLOCK);
        int k = Math.min(len - done, BLOCK - at);
        MemorySegment.copy(src, done, block(bi, at + k), at, k);
        done += k;
      }
      size = Math.max(size, offset + len);
      mtime = System.currentTimeMillis() * 1_000_000L;
    }

    /** Block {@code bi}, at least {@code need} bytes long (a power of two up to a full block). */
    private MemorySegment block(int bi, int need) {
      if (bi >= blocks.length) {
        blocks = Arrays.copyOf(blocks, Math.max(bi + 1, blocks.length * 2));
      }
      MemorySegment b = blocks[bi];
      if (b == null || b.byteSize() < need) {
        int cap = Math.min(BLOCK, Integer.highestOneBit(Math.max(need, 512) - 1) << 1);
        MemorySegment grown = calloc(cap);
        if (b != null) {
          MemorySegment.copy(b, 0, grown, 0, b.byteSize());
          free(b);
        }
        blocks[bi] = grown;
        b = grown;
      }
      return b;
    }

    synchronized void truncate(long newSize) {
      if (newSize < size) {
        int last = (int) (newSize / BLOCK);
        int at = (int) (newSize % BLOCK);
        if (last < blocks.length && blocks[last] != null && at < blocks[last].byteSize()) {
          blocks[last].asSlice(at).fill((byte) 0);
        }
        freeFrom(at == 0 ? last : last + 1);
      }
      size = newSize;
      mtime = System.currentTimeMillis() * 1_000_000L;
    }

    private void freeFrom(int first) {
      for (int i = first; i < blocks.length; i++) {
        if (blocks[i] != null) {
          free(blocks[i]);
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
  public int getattr(String path, Stat stat, FileInfo fi) {
    Node n = nodes.get(path);
    if (n == null) {
      return -errno.enoent();
    }
    stat.setMode((n.dir ? Stat.S_IFDIR : Stat.S_IFREG) | n.mode);
    stat.setNLink((short) (n.dir ? 2 : 1));
    stat.setUid(uid);
    stat.setGid(gid);
    stat.setSize(n.dir ? 4096 : n.size);
    stat.mTime().set(instant(n.mtime));
    stat.aTime().set(instant(n.mtime));
    stat.cTime().set(instant(n.ctime));
    return 0;
  }

  private int add(String path, boolean dir, int mode) {
    Node p = nodes.get(parent(path));
    if (p == null) {
      return -errno.enoent();
    }
    if (!p.dir) {
      return -errno.enotdir();
    }
    Node n = new Node(dir, mode & 07777);
    if (nodes.putIfAbsent(path, n) != null) {
      return -errno.eexist();
    }
    p.entries.put(name(path), n);
    return 0;
  }

  @Override
  public int create(String path, int mode, FileInfo fi) {
    int rc = add(path, false, mode);
    return rc != 0 ? rc : open(path, fi);
  }

  @Override
  public int mkdir(String path, int mode) {
    return add(path, true, mode);
  }

  @Override
  public int open(String path, FileInfo fi) {
    Node n = nodes.get(path);
    if (n == null) {
      return -errno.enoent();
    }
    long fh = nextHandle.getAndIncrement();
    n.opened();
    open.put(fh, n);
    fi.setFh(fh);
    return 0;
  }

  @Override
  public int read(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    Node n = open.get(fi.getFh());
    return n == null ? -errno.ebadf() : n.read(buf, offset, (int) count);
  }

  @Override
  public int write(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
    Node n = open.get(fi.getFh());
    if (n == null) {
      return -errno.ebadf();
    }
    n.write(buf, offset, (int) count);
    return (int) count;
  }

  @Override
  public int flush(String path, FileInfo fi) {
    return 0;
  }

  @Override
  public int release(String path, FileInfo fi) {
    Node n = open.remove(fi.getFh());
    if (n != null) {
      n.closed();
    }
    return 0;
  }

  @Override
  public int truncate(String path, long size, FileInfo fi) {
    Node n = fi == null ? null : open.get(fi.getFh());
    n = n != null ? n : nodes.get(path);
    if (n == null) {
      return -errno.enoent();
    }
    if (n.dir) {
      return -errno.eisdir();
    }
    n.truncate(size);
    return 0;
  }

  @Override
  public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
    Node n = nodes.get(path);
    if (n == null) {
      return -errno.enoent();
    }
    if (!mtime.isUtimeOmit()) {
      Instant t = mtime.isUtimeNow() ? Instant.now() : mtime.get();
      n.mtime = t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
    return 0;
  }

  @Override
  public int unlink(String path) {
    Node n = nodes.get(path);
    if (n == null) {
      return -errno.enoent();
    }
    if (n.dir) {
      return -errno.eisdir();
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
      return -errno.enoent();
    }
    if (!n.dir) {
      return -errno.enotdir();
    }
    if (!n.entries.isEmpty()) {
      return -errno.enotempty();
    }
    nodes.remove(path);
    nodes.get(parent(path)).entries.remove(name(path));
    return 0;
  }

  @Override
  public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
    Node n = nodes.get(path);
    if (n == null) {
      return -errno.enoent();
    }
    if (!n.dir) {
      return -errno.enotdir();
    }
    try {
      filler.fill(".");
      filler.fill("..");
      for (String name : n.entries.keySet()) {
        filler.fill(name);
      }
      return 0;
    } catch (IOException e) {
      return -errno.eio();
    }
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
