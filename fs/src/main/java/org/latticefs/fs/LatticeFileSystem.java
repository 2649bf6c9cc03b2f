package org.latticefs.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.store.CachingBlobFetcher;
import org.latticefs.kv.Head;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.Op;
import org.latticefs.kv.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lattice filesystem, path-based like the FUSE high-level API but with Java types: it throws
 * {@link FsException} for expected failures and reads and writes {@link ByteBuffer}s. {@link
 * LatticeFuse} adapts it to FUSE; tests call it directly.
 *
 * <h2>Layout</h2>
 *
 * The root lists the stores of {@link Stores}; {@code mkdir} there creates a store and {@code
 * rmdir} of an empty one deletes it. Inside a store every file, directory and symlink is an {@link
 * Inode} under {@code /inodes/{id}} and every name a dirent {@code /dirents/{parent}/{name}} (see
 * {@link Keys}), so renaming a folder of any size is one dirent move.
 *
 * <h2>Writes</h2>
 *
 * Writes go to a staging file per open file (see {@link OpenFile}); flush, fsync and release store
 * the new content in cas (one durable batch) and then commit the new inode in one log entry. When
 * {@code close} (or any namespace change) returns, the change survives kill -9 of the daemon: its
 * log entry is written to the OS ({@link org.latticefs.kv.Durability#PROCESS_CRASH}) and reaches
 * the disk within the store's sync delay. When {@code fsync} or {@code fsyncdir} returns, it and
 * every earlier change of the store survive a power loss too. A file created here exists only in
 * memory until its first flush, so create, write and close cost one log entry and no fsync.
 *
 * <h2>Concurrency</h2>
 *
 * Safe for concurrent use by any number of threads. Namespace changes in one store are serialized;
 * reads never wait for them. All handles of one file on this node share one open state, so the last
 * flush commits what every writer wrote ("last close wins").
 *
 * <h2>Conflicts</h2>
 *
 * When the log holds concurrent versions of an inode or a dirent (written on two nodes), the winner
 * keeps the name and every losing version is shown beside it, read-only, under a {@link
 * ConflictNames} name. Unlinking a conflict copy resolves the conflict in favour of the winner.
 *
 * <h2>Not supported</h2>
 *
 * Hard links to directories (EPERM), renaming a store (EPERM), moves between stores (EXDEV, so
 * {@code mv} copies), device nodes and FIFOs (mknod: EPERM). Directory link counts are reported as
 * 1 (meaning "unknown" to {@code find}).
 */
public final class LatticeFileSystem implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LatticeFileSystem.class);
  private static final int NAME_MAX = 255;
  private static final int XATTR_CREATE = 1;
  private static final int XATTR_REPLACE = 2;
  private static final int O_ACCMODE = 3;
  private static final int O_TRUNC = 01000;

  /** open(2)'s O_EXCL: {@link #create} fails with EEXIST instead of opening an existing file. */
  static final int O_EXCL = 0200;

  private final FsConfig config;
  private final CachingBlobFetcher cache;
  private final CasContents contents;
  private final int ownUid;
  private final int ownGid;
  private final SecureRandom random = new SecureRandom();
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final AtomicLong stagingSeq = new AtomicLong();
  private final ConcurrentHashMap<String, StoreContext> storesByName = new ConcurrentHashMap<>();

  /**
   * The one context per store for the life of this filesystem: open files, unflushed creates and
   * the namespace lock live here, so a name lookup cache being dropped never replaces them.
   */
  private final ConcurrentHashMap<UUID, StoreContext> contextsById = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<FileKey, OpenFile> openFiles = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, DirHandle> dirHandles = new ConcurrentHashMap<>();
  private final Object rootLock = new Object();
  private final AutoCloseable storesWatch;
  private volatile SpaceProvider.Space cachedSpace;
  private volatile long spaceCheckedNanos;

  /**
   * A filesystem over {@code config}. Empties the staging directory (leftovers of a crash never
   * were durable). Reads go through {@code config.fetcher()}: manifests and random reads through a
   * chunk cache of {@code config.cacheBytes()} around it, sequential streams past it.
   */
  /**
   * The mount root's times: when this filesystem started, or when its list of stores last changed
   * (here, or elsewhere as the stores watch reports it).
   */
  private volatile long rootChangedNanos;

  public LatticeFileSystem(FsConfig config) throws IOException {
    this.config = config;
    this.cache = new CachingBlobFetcher(config.fetcher(), config.cacheBytes());
    this.contents = new CasContents(cache, config.fetcher(), new FileIngester(config.receiver()));
    Files.createDirectories(config.stagingDir());
    try (var leftovers = Files.list(config.stagingDir())) {
      for (Path p : (Iterable<Path>) leftovers::iterator) {
        Files.deleteIfExists(p);
      }
    }
    int[] ids = processIds();
    this.ownUid = ids[0];
    this.ownGid = ids[1];
    this.rootChangedNanos = nowNanos();
    AutoCloseable watch = null;
    try {
      // Stores created, renamed or deleted elsewhere (another node, the CLI) drop the name cache;
      // the contexts (open files, unflushed creates, locks) stay.
      watch =
          config
              .stores()
              .root()
              .watch(
                  "/stores/",
                  change -> {
                    storesByName.clear();
                    rootChangedNanos = nowNanos();
                  });
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot watch the root store; store changes made elsewhere show after a remount", e);
    }
    this.storesWatch = watch;
  }

  /** The caller of an operation, for the owner of what it creates. */
  public record Caller(int uid, int gid) {}

  /** One directory entry; {@code nextOffset} is what to pass to continue after it. */
  public record DirEntry(String name, long nextOffset) {}

  /** Filesystem capacity as {@code statfs} shows it. */
  public record FsStats(
      long blockSize, long totalBlocks, long freeBlocks, long files, long ffree) {}

  /**
   * What {@code lattice-fs stat PATH} shows.
   *
   * @param chunks the file's chunks (empty for directories, symlinks, inline and empty files)
   */
  public record PathInfo(
      String path,
      String storeName,
      UUID storeId,
      long inodeId,
      Inode inode,
      boolean openHere,
      boolean conflictCopy,
      List<Chunk> chunks) {
    /** The inode id as used in keys. */
    public String inodeKey() {
      return Keys.inode(inodeId);
    }
  }

  // ---------------------------------------------------------------- attributes and lookup

  public Attr getattr(String path) throws IOException {
    return attr(resolve(path));
  }

  /** Attributes through an open handle (works after the path was unlinked). */
  public Attr getattr(long fh) throws IOException {
    Handle h = handle(fh);
    return attrOf(h.file.store, h.file.id, h.file);
  }

  public String readlink(String path) throws IOException {
    Node n = resolve(path);
    if (n.inode == null || n.inode.kind() != Inode.Kind.SYMLINK) {
      throw new FsException(Errno.EINVAL, path + " is not a symlink");
    }
    return n.inode.target();
  }

  // ---------------------------------------------------------------- directories

  /** Opens a directory for {@link #readdir}; the caller releases it with {@link #releasedir}. */
  public long opendir(String path) throws IOException {
    Node n = resolve(path);
    if (n.ctx != null && (n.inode == null || n.inode.kind() != Inode.Kind.DIRECTORY)) {
      throw new FsException(Errno.ENOTDIR, path);
    }
    long fh = nextHandle.getAndIncrement();
    dirHandles.put(fh, new DirHandle(n.ctx, n.id));
    return fh;
  }

  public void releasedir(long fh) {
    dirHandles.remove(fh);
  }

  /**
   * Up to {@code max} entries from {@code offset} (0 for the start; then an entry's {@code
   * nextOffset}), including {@code .} and {@code ..}. Offsets stay valid for the handle: a
   * directory changing while it is read never makes an entry repeat.
   */
  public List<DirEntry> readdir(long fh, long offset, int max) throws IOException {
    DirHandle d = dirHandles.get(fh);
    if (d == null) {
      throw new FsException(Errno.EBADF, "no directory handle " + fh);
    }
    synchronized (d) {
      List<DirEntry> out = new ArrayList<>();
      long i = offset;
      while (out.size() < max) {
        if (i >= d.names.size() && !d.fill(this)) {
          break;
        }
        if (i >= d.names.size()) {
          continue;
        }
        out.add(new DirEntry(d.names.get((int) i), i + 1));
        i++;
      }
      return out;
    }
  }

  /** Every name in a directory (convenience for tests and tools; not for huge directories). */
  public List<String> list(String path) throws IOException {
    long fh = opendir(path);
    try {
      List<String> names = new ArrayList<>();
      long off = 0;
      while (true) {
        List<DirEntry> page = readdir(fh, off, 512);
        if (page.isEmpty()) {
          return names;
        }
        for (DirEntry e : page) {
          if (!e.name().equals(".") && !e.name().equals("..")) {
            names.add(e.name());
          }
          off = e.nextOffset();
        }
      }
    } finally {
      releasedir(fh);
    }
  }

  public void mkdir(String path, int mode, Caller caller) throws IOException {
    String[] parts = split(path);
    if (parts.length == 0) {
      throw new FsException(Errno.EEXIST, "/");
    }
    if (parts.length == 1) {
      createStore(parts[0]);
      return;
    }
    StoreContext ctx = store(parts[0]);
    ctx.namespace.lock();
    try {
      Node parent = parentOf(ctx, parts, path);
      String name = parts[parts.length - 1];
      requireAbsent(ctx, parent.id, name, path);
      long now = nowNanos();
      long id = newId();
      Inode dir = Inode.create(Inode.Kind.DIRECTORY, mode, caller.uid(), caller.gid(), now, null);
      List<Op> ops = new ArrayList<>();
      ops.add(new Op.Put(Keys.inode(id), dir.encode()));
      ops.add(direntPut(parent.id, name, id));
      ops.add(touch(ctx, parent.id, now));
      ctx.commit(ops);
    } finally {
      ctx.namespace.unlock();
    }
  }

  public void rmdir(String path) throws IOException {
    String[] parts = split(path);
    if (parts.length == 0) {
      throw new FsException(Errno.EBUSY, "cannot remove the mount root");
    }
    if (parts.length == 1) {
      deleteStore(parts[0]);
      return;
    }
    StoreContext ctx = store(parts[0]);
    ctx.namespace.lock();
    try {
      Node n = resolveIn(ctx, parts, path);
      if (n.conflict != null || n.inode.kind() != Inode.Kind.DIRECTORY) {
        throw new FsException(Errno.ENOTDIR, path);
      }
      requireEmpty(ctx, n.id, path);
      long now = nowNanos();
      ctx.commit(
          List.of(
              new Op.Delete(Keys.dirent(n.parent, n.name)),
              new Op.Delete(Keys.inode(n.id)),
              touch(ctx, n.parent, now)));
    } finally {
      ctx.namespace.unlock();
    }
  }

  // ---------------------------------------------------------------- files

  /**
   * Creates and opens a new regular file. If the name is taken: with O_EXCL in {@code flags}
   * EEXIST, without it the existing file is opened as {@link #open} does (two racing {@code
   * open(O_CREAT)} of a new name both succeed on one file).
   */
  public long create(String path, int mode, int flags, Caller caller) throws IOException {
    String[] parts = split(path);
    if (parts.length < 2) {
      throw new FsException(Errno.EACCES, "files live inside a store, not in the mount root");
    }
    StoreContext ctx = store(parts[0]);
    for (int attempt = 0; ; attempt++) {
      ctx.namespace.lock();
      try {
        Node parent = parentOf(ctx, parts, path);
        String name = parts[parts.length - 1];
        boolean openExisting =
            (flags & O_EXCL) == 0
                && attempt < 8
                && lookupOrNull(ctx, parent.id, name, path) != null;
        if (!openExisting) {
          return createLocked(ctx, parent, name, path, mode, caller);
        }
      } finally {
        ctx.namespace.unlock();
      }
      try {
        return open(path, flags);
      } catch (FsException e) {
        if (e.errno() != Errno.ENOENT) {
          throw e;
        }
        // Removed between the check and the open: create it after all.
      }
    }
  }

  private long createLocked(
      StoreContext ctx, Node parent, String name, String path, int mode, Caller caller)
      throws IOException {
    requireAbsent(ctx, parent.id, name, path);
    long id = newId();
    Inode inode = Inode.create(Inode.Kind.FILE, mode, caller.uid(), caller.gid(), nowNanos(), null);
    OpenFile of = newOpenFile(ctx, id, inode);
    synchronized (of) {
      of.pending = true;
      of.pendingParent = parent.id;
      of.pendingName = name;
      of.handles = 1;
    }
    ctx.pending.put(Keys.dirent(parent.id, name), of);
    openFiles.put(new FileKey(ctx.id, id), of);
    return newHandle(of, true);
  }

  /** Opens an existing file. {@code flags} are the open(2) flags. */
  public long open(String path, int flags) throws IOException {
    Node n = resolve(path);
    if (n.ctx == null || n.inode.kind() == Inode.Kind.DIRECTORY) {
      throw new FsException(Errno.EISDIR, path);
    }
    boolean write = (flags & O_ACCMODE) != 0;
    if (n.conflict != null) {
      if (write) {
        throw new FsException(Errno.EROFS, path + " is a conflict copy (read-only)");
      }
      OpenFile of = newOpenFile(n.ctx, n.id, n.inode);
      synchronized (of) {
        of.handles = 1;
      }
      return newHandle(of, false);
    }
    OpenFile of = acquire(n.ctx, n.id);
    if (write && (flags & O_TRUNC) != 0) {
      of.truncate(0, nowNanos());
    }
    return newHandle(of, write);
  }

  /** Reads up to {@code dst.remaining()} bytes at {@code pos}; returns the count (0 at the end). */
  public int read(long fh, long pos, ByteBuffer dst) throws IOException {
    if (pos < 0) {
      throw new FsException(Errno.EINVAL, "negative offset");
    }
    return handle(fh).file.read(pos, dst);
  }

  /** Writes all of {@code src} at {@code pos}; returns the count. */
  public int write(long fh, long pos, ByteBuffer src) throws IOException {
    Handle h = handle(fh);
    if (!h.write) {
      throw new FsException(Errno.EBADF, "handle " + fh + " is not open for writing");
    }
    if (pos < 0) {
      throw new FsException(Errno.EINVAL, "negative offset");
    }
    long growth = Math.max(0, pos + src.remaining() - h.file.size());
    requireSpace(Math.max(growth, src.remaining()));
    return h.file.write(pos, src, nowNanos());
  }

  /** Commits the file's content if it changed; survives kill -9 of the daemon on return. */
  public void flush(long fh) throws IOException {
    commit(handle(fh).file);
  }

  /**
   * Commits the file's content if it changed and fsyncs its store's log: on return the file, and
   * every earlier change in its store, survives a power loss.
   */
  public void fsync(long fh) throws IOException {
    OpenFile of = handle(fh).file;
    commit(of);
    of.store.sync();
  }

  /**
   * Fsyncs the log of the store holding {@code path} (of every open store for the mount root): on
   * return every change made there so far survives a power loss.
   */
  public void fsyncdir(String path) throws IOException {
    String[] parts = split(path);
    if (parts.length == 0) {
      for (StoreContext ctx : storesByName.values()) {
        ctx.sync();
      }
    } else {
      store(parts[0]).sync();
    }
  }

  /** Closes a handle; the last one commits what is left and frees the staging file. */
  public void release(long fh) throws IOException {
    Handle h = handles.remove(fh);
    if (h == null) {
      throw new FsException(Errno.EBADF, "no handle " + fh);
    }
    releaseFile(h.file);
  }

  public void truncate(String path, long size) throws IOException {
    if (size < 0) {
      throw new FsException(Errno.EINVAL, "negative size");
    }
    Node n = resolve(path);
    requireWritableFile(n, path);
    OpenFile of = acquire(n.ctx, n.id);
    try {
      of.truncate(size, nowNanos());
    } finally {
      releaseFile(of);
    }
  }

  public void ftruncate(long fh, long size) throws IOException {
    if (size < 0) {
      throw new FsException(Errno.EINVAL, "negative size");
    }
    Handle h = handle(fh);
    if (!h.write) {
      throw new FsException(Errno.EBADF, "handle " + fh + " is not open for writing");
    }
    h.file.truncate(size, nowNanos());
  }

  public void unlink(String path) throws IOException {
    String[] parts = split(path);
    if (parts.length < 2) {
      throw new FsException(parts.length == 0 ? Errno.EBUSY : Errno.EISDIR, path);
    }
    StoreContext ctx = store(parts[0]);
    ctx.namespace.lock();
    try {
      Node n = resolveIn(ctx, parts, path);
      if (n.conflict != null) {
        resolveConflict(ctx, n.conflict);
        return;
      }
      if (n.inode.kind() == Inode.Kind.DIRECTORY) {
        throw new FsException(Errno.EISDIR, path);
      }
      long now = nowNanos();
      String key = Keys.dirent(n.parent, n.name);
      OpenFile pending = ctx.pending.remove(key);
      if (pending != null) {
        synchronized (pending) {
          pending.pending = false;
          pending.unlinked = true;
        }
        return;
      }
      List<Op> ops = new ArrayList<>();
      ops.add(new Op.Delete(key));
      dropLink(ctx, n.id, n.inode, now, ops);
      ops.add(touch(ctx, n.parent, now));
      ctx.commit(ops);
    } finally {
      ctx.namespace.unlock();
    }
  }

  /**
   * Renames {@code from} to {@code to}, replacing {@code to} if it exists (an empty directory may
   * replace a directory, a non-directory a non-directory). libfuse2 passes no rename flags: {@code
   * renameat2} with {@code RENAME_NOREPLACE} or {@code RENAME_EXCHANGE} is refused by the kernel
   * with EINVAL before it reaches us ({@code mv -n} then falls back to a check and plain rename).
   */
  public void rename(String from, String to) throws IOException {
    String[] a = split(from);
    String[] b = split(to);
    if (a.length < 2 || b.length < 2) {
      if (a.length == 1 && b.length == 1) {
        throw new FsException(Errno.EPERM, "stores cannot be renamed through the mount");
      }
      throw new FsException(Errno.EXDEV, "cannot move between the mount root and a store");
    }
    if (!a[0].equals(b[0])) {
      throw new FsException(Errno.EXDEV, "moves between stores copy: " + from + " -> " + to);
    }
    if (to.startsWith(from + "/")) {
      throw new FsException(Errno.EINVAL, "cannot move " + from + " into itself");
    }
    StoreContext ctx = store(a[0]);
    lockWithNamesCommitted(ctx, a, b);
    try {
      Node src = resolveIn(ctx, a, from);
      if (src.conflict != null) {
        throw new FsException(Errno.EROFS, from + " is a conflict copy");
      }
      Node dstParent = parentOf(ctx, b, to);
      String dstName = b[b.length - 1];
      Node dst = lookupOrNull(ctx, dstParent.id, dstName, to);
      long now = nowNanos();
      List<Op> ops = new ArrayList<>();
      if (dst != null) {
        if (dst.id == src.id) {
          return;
        }
        if (dst.conflict != null) {
          throw new FsException(Errno.EROFS, to + " is a conflict copy");
        }
        boolean srcDir = src.inode.kind() == Inode.Kind.DIRECTORY;
        boolean dstDir = dst.inode.kind() == Inode.Kind.DIRECTORY;
        if (srcDir && !dstDir) {
          throw new FsException(Errno.ENOTDIR, to);
        }
        if (!srcDir && dstDir) {
          throw new FsException(Errno.EISDIR, to);
        }
        if (dstDir) {
          requireEmpty(ctx, dst.id, to);
          ops.add(new Op.Delete(Keys.inode(dst.id)));
        } else {
          dropLink(ctx, dst.id, dst.inode, now, ops);
        }
      }
      ops.add(new Op.Delete(Keys.dirent(src.parent, src.name)));
      ops.add(direntPut(dstParent.id, dstName, src.id));
      ops.add(touch(ctx, src.parent, now));
      if (dstParent.id != src.parent) {
        ops.add(touch(ctx, dstParent.id, now));
      }
      ctx.commit(ops);
    } finally {
      ctx.namespace.unlock();
    }
  }

  public void symlink(String target, String linkPath, Caller caller) throws IOException {
    if (target.getBytes(StandardCharsets.UTF_8).length > Inode.MAX_TARGET) {
      throw new FsException(Errno.ENAMETOOLONG, "symlink target too long");
    }
    String[] parts = split(linkPath);
    if (parts.length < 2) {
      throw new FsException(Errno.EACCES, "symlinks live inside a store");
    }
    StoreContext ctx = store(parts[0]);
    ctx.namespace.lock();
    try {
      Node parent = parentOf(ctx, parts, linkPath);
      String name = parts[parts.length - 1];
      requireAbsent(ctx, parent.id, name, linkPath);
      long now = nowNanos();
      long id = newId();
      Inode link = Inode.create(Inode.Kind.SYMLINK, 0777, caller.uid(), caller.gid(), now, target);
      ctx.commit(
          List.of(
              new Op.Put(Keys.inode(id), link.encode()),
              direntPut(parent.id, name, id),
              touch(ctx, parent.id, now)));
    } finally {
      ctx.namespace.unlock();
    }
  }

  /** A hard link: a second dirent for the same inode ({@code nlink} counts them). */
  public void link(String existing, String newPath) throws IOException {
    String[] a = split(existing);
    String[] b = split(newPath);
    if (a.length < 2 || b.length < 2) {
      throw new FsException(Errno.EPERM, "cannot link stores");
    }
    if (!a[0].equals(b[0])) {
      throw new FsException(Errno.EXDEV, "hard links stay inside one store");
    }
    StoreContext ctx = store(a[0]);
    lockWithNamesCommitted(ctx, a);
    try {
      Node src = resolveIn(ctx, a, existing);
      if (src.conflict != null) {
        throw new FsException(Errno.EROFS, existing + " is a conflict copy");
      }
      if (src.inode.kind() == Inode.Kind.DIRECTORY) {
        throw new FsException(Errno.EPERM, "no hard links to directories");
      }
      Node parent = parentOf(ctx, b, newPath);
      String name = b[b.length - 1];
      requireAbsent(ctx, parent.id, name, newPath);
      long now = nowNanos();
      List<Op> ops = new ArrayList<>();
      ops.add(direntPut(parent.id, name, src.id));
      ops.add(touch(ctx, parent.id, now));
      updateInodeLocked(ctx, src.id, src.inode, i -> i.withNlink(i.nlink() + 1, now), ops);
    } finally {
      ctx.namespace.unlock();
    }
  }

  // ---------------------------------------------------------------- metadata

  public void chmod(String path, int mode) throws IOException {
    long now = nowNanos();
    updateInode(path, i -> i.withMode(mode & 07777, now));
  }

  /** Changes owner and/or group; -1 leaves one unchanged. */
  public void chown(String path, int uid, int gid) throws IOException {
    long now = nowNanos();
    updateInode(path, i -> i.withOwner(uid == -1 ? i.uid() : uid, gid == -1 ? i.gid() : gid, now));
  }

  /** Sets access and modification times in nanoseconds; {@code null} leaves one unchanged. */
  public void utimens(String path, Long atimeNanos, Long mtimeNanos) throws IOException {
    long now = nowNanos();
    Node n = resolve(path);
    if (n.open != null && mtimeNanos != null) {
      n.open.setMtime(mtimeNanos);
    }
    updateInode(
        path,
        i ->
            i.withTimes(
                atimeNanos == null ? i.atimeNanos() : atimeNanos,
                mtimeNanos == null ? i.mtimeNanos() : mtimeNanos,
                now));
  }

  public FsStats statfs() throws IOException {
    SpaceProvider.Space s = space();
    long bs = 4096;
    return new FsStats(bs, s.totalBytes() / bs, s.freeBytes() / bs, 1L << 40, 1L << 40);
  }

  // ---------------------------------------------------------------- xattrs

  /**
   * File capabilities ({@code setcap}) are not kept: a replicated store should not grant privileges
   * to executables on every node that mounts it. The kernel asks for this attribute before every
   * write to a file; the answer (ENODATA) then needs no lookup.
   */
  static final String FILE_CAPABILITIES = "security.capability";

  /** The value of xattr {@code name}; ENODATA if it is not set. */
  public byte[] getxattr(String path, String name) throws IOException {
    if (name.equals(FILE_CAPABILITIES)) {
      throw new FsException(Errno.ENODATA, name + " is never set here");
    }
    Node n = resolve(path);
    if (n.inode == null) {
      throw new FsException(Errno.ENODATA, name);
    }
    byte[] v = n.inode.xattrs().get(name);
    if (v == null) {
      throw new FsException(Errno.ENODATA, name + " on " + path);
    }
    return v.clone();
  }

  /** The names of all xattrs, in ascending order. */
  public List<String> listxattr(String path) throws IOException {
    Node n = resolve(path);
    return n.inode == null ? List.of() : List.copyOf(n.inode.xattrs().keySet());
  }

  /**
   * Sets xattr {@code name}. {@code flags}: 0, XATTR_CREATE (1, EEXIST if set) or XATTR_REPLACE (2,
   * ENODATA if not set). Names over 255 bytes: ERANGE; values over 64 KiB: E2BIG; more than 128 KiB
   * of xattrs on one inode: ENOSPC. {@value #FILE_CAPABILITIES}: ENOTSUP.
   */
  public void setxattr(String path, String name, byte[] value, int flags) throws IOException {
    if (name.equals(FILE_CAPABILITIES)) {
      throw new FsException(Errno.ENOTSUP, "file capabilities are not kept on a Lattice store");
    }
    if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > Inode.MAX_XATTR_NAME) {
      throw new FsException(Errno.ERANGE, "bad xattr name length");
    }
    if (value.length > Inode.MAX_XATTR_VALUE) {
      throw new FsException(Errno.E2BIG, "xattr value over 64 KiB");
    }
    long now = nowNanos();
    updateInodeChecked(
        path,
        i -> {
          boolean exists = i.xattrs().containsKey(name);
          if ((flags & XATTR_CREATE) != 0 && exists) {
            throw new FsException(Errno.EEXIST, name);
          }
          if ((flags & XATTR_REPLACE) != 0 && !exists) {
            throw new FsException(Errno.ENODATA, name);
          }
          SortedMap<String, byte[]> x = new TreeMap<>(i.xattrs());
          x.put(name, value.clone());
          if (Inode.xattrBytes(x) > Inode.MAX_XATTR_TOTAL) {
            throw new FsException(Errno.ENOSPC, "xattrs of one inode exceed 128 KiB");
          }
          return i.withXattrs(x, now);
        });
  }

  public void removexattr(String path, String name) throws IOException {
    long now = nowNanos();
    updateInodeChecked(
        path,
        i -> {
          if (!i.xattrs().containsKey(name)) {
            throw new FsException(Errno.ENODATA, name);
          }
          SortedMap<String, byte[]> x = new TreeMap<>(i.xattrs());
          x.remove(name);
          return i.withXattrs(x, now);
        });
  }

  // ---------------------------------------------------------------- inspection

  /** Inode, manifest and chunks of a path, for {@code lattice-fs stat}. */
  public PathInfo describe(String path) throws IOException {
    Node n = resolve(path);
    if (n.ctx == null) {
      throw new FsException(Errno.EINVAL, "the mount root is not in a store");
    }
    Inode inode = n.inode;
    List<Chunk> chunks =
        inode.manifest() == null ? List.of() : contents.open(inode.manifest()).chunks();
    return new PathInfo(
        path, n.ctx.name, n.ctx.id, n.id, inode, n.open != null, n.conflict != null, chunks);
  }

  /** How many files are open on this node (for status output and leak checks in tests). */
  public int openFileCount() {
    return openFiles.size();
  }

  /**
   * Commits every dirty open file and fsyncs every open store (used before unmounting). Errors are
   * logged, not thrown.
   */
  public void flushAll() {
    for (OpenFile of : List.copyOf(openFiles.values())) {
      try {
        commit(of);
      } catch (IOException | RuntimeException e) {
        LOG.error("could not commit open file {} of store {}", Keys.id(of.id), of.store.name, e);
      }
    }
    for (StoreContext ctx : storesByName.values()) {
      try {
        ctx.sync();
      } catch (IOException | RuntimeException e) {
        LOG.error("could not sync store {}", ctx.name, e);
      }
    }
  }

  /** Bytes read and chunked by all file commits so far (an edit's cost, for measurements). */
  public long ingestedBytes() {
    return contents.ingestedBytes();
  }

  /**
   * File commits whose content was ingested in the background while a sequential writer wrote it
   * (see {@link OpenFile}), for metrics and tests.
   */
  public long backgroundIngests() {
    return contents.sessionsFinished();
  }

  /** The chunk cache, for metrics. */
  public CachingBlobFetcher chunkCache() {
    return cache;
  }

  @Override
  public void close() {
    flushAll();
    contents.close();
    if (storesWatch != null) {
      try {
        storesWatch.close();
      } catch (Exception e) {
        LOG.debug("closing the stores watch", e);
      }
    }
    for (OpenFile of : List.copyOf(openFiles.values())) {
      try {
        of.close();
      } catch (IOException e) {
        LOG.warn("could not remove staging file of {}", Keys.id(of.id), e);
      }
    }
    openFiles.clear();
    handles.clear();
  }

  // ================================================================ internals

  private record FileKey(UUID store, long id) {}

  private record Handle(OpenFile file, boolean write) {}

  /** A resolved path. {@code ctx} null: the mount root. {@code parent} -1: a store's root. */
  private record Node(
      StoreContext ctx,
      long parent,
      String name,
      long id,
      Inode inode,
      OpenFile open,
      ConflictCopy conflict) {}

  /** A losing version shown beside the winner. {@code key} is where the heads disagree. */
  record ConflictCopy(String name, long id, Inode inode, String key) {}

  /** Paging state of one open directory. */
  private static final class DirHandle {
    final StoreContext ctx;
    final long id;
    final List<String> names = new ArrayList<>();

    /** Creates not committed when the listing started (listed first, skipped in the log). */
    Set<String> unflushed;

    String after;
    boolean done;

    DirHandle(StoreContext ctx, long id) {
      this.ctx = ctx;
      this.id = id;
      names.add(".");
      names.add("..");
    }

    /** Fetches the next page of names; false when there are no more. */
    boolean fill(LatticeFileSystem fs) throws IOException {
      if (done) {
        return false;
      }
      if (ctx == null) {
        for (Stores.StoreInfo s : fs.config.stores().listStores()) {
          names.add(s.name());
        }
        done = true;
        return true;
      }
      String prefix = Keys.direntPrefix(id);
      if (unflushed == null) {
        unflushed = new java.util.TreeSet<>();
        for (OpenFile of : ctx.pending.values()) {
          synchronized (of) {
            if (of.pending && Keys.direntPrefix(of.pendingParent).equals(prefix)) {
              unflushed.add(of.pendingName);
            }
          }
        }
        names.addAll(unflushed);
      }
      List<KeyValue> page = ctx.store.list(prefix, after, 256);
      if (page.isEmpty()) {
        done = true;
        return false;
      }
      for (KeyValue kv : page) {
        String name = kv.key().substring(prefix.length());
        after = kv.key();
        if (unflushed.contains(name)) {
          continue; // committed while this listing ran: already listed
        }
        names.add(name);
        long child = parseChild(kv.value());
        for (ConflictCopy c : fs.conflicts(ctx, id, name, child)) {
          names.add(c.name());
        }
      }
      if (page.size() < 256) {
        done = true;
      }
      return true;
    }
  }

  private Attr attr(Node n) throws IOException {
    if (n.ctx == null) {
      long t = rootChangedNanos;
      return new Attr(1, Inode.Kind.DIRECTORY, 0755, ownUid, ownGid, 1, 0, t, t, t);
    }
    if (n.conflict != null) {
      Inode i = n.conflict.inode;
      return new Attr(
          n.ctx.ino(n.id) ^ 0x5bd1e995L,
          i.kind(),
          i.mode() & 0555,
          i.uid(),
          i.gid(),
          1,
          i.size(),
          i.atimeNanos(),
          i.mtimeNanos(),
          i.ctimeNanos());
    }
    return attrOf(
        n.ctx, n.id, n.open != null ? n.open : openFiles.get(new FileKey(n.ctx.id, n.id)), n.inode);
  }

  private Attr attrOf(StoreContext ctx, long id, OpenFile of) throws IOException {
    return attrOf(ctx, id, of, null);
  }

  private Attr attrOf(StoreContext ctx, long id, OpenFile of, Inode inode) throws IOException {
    long size;
    long mtime;
    Inode meta;
    if (of != null) {
      OpenFile.Live live = of.live();
      meta = live.meta();
      size = live.size();
      mtime = live.mtimeNanos();
    } else {
      meta = inode != null ? inode : inode(ctx, id);
      size = meta.size();
      mtime = meta.mtimeNanos();
    }
    int nlink = meta.kind() == Inode.Kind.DIRECTORY ? 1 : meta.nlink();
    return new Attr(
        ctx.ino(id),
        meta.kind(),
        meta.mode(),
        meta.uid(),
        meta.gid(),
        nlink,
        size,
        meta.atimeNanos(),
        mtime,
        Math.max(meta.ctimeNanos(), mtime));
  }

  private Node resolve(String path) throws IOException {
    String[] parts = split(path);
    if (parts.length == 0) {
      return new Node(null, -1, null, 0, null, null, null);
    }
    return resolveIn(store(parts[0]), parts, path);
  }

  private Node resolveIn(StoreContext ctx, String[] parts, String path) throws IOException {
    long id = Keys.ROOT;
    Node n = new Node(ctx, -1, null, id, inode(ctx, id), null, null);
    for (int i = 1; i < parts.length; i++) {
      if (n.conflict != null || n.inode.kind() != Inode.Kind.DIRECTORY) {
        throw new FsException(Errno.ENOTDIR, path);
      }
      n = lookupOrNull(ctx, n.id, parts[i], path);
      if (n == null) {
        throw new FsException(Errno.ENOENT, path);
      }
    }
    return n;
  }

  private Node parentOf(StoreContext ctx, String[] parts, String path) throws IOException {
    Node parent = resolveIn(ctx, java.util.Arrays.copyOf(parts, parts.length - 1), path);
    if (parent.conflict != null || parent.inode.kind() != Inode.Kind.DIRECTORY) {
      throw new FsException(Errno.ENOTDIR, path);
    }
    return parent;
  }

  private Node lookupOrNull(StoreContext ctx, long parent, String name, String path)
      throws IOException {
    String key = Keys.dirent(parent, name);
    OpenFile pending = ctx.pending.get(key);
    if (pending != null) {
      synchronized (pending) {
        if (pending.pending) {
          return new Node(ctx, parent, name, pending.id, pending.committed, pending, null);
        }
      }
    }
    Optional<byte[]> child = ctx.store.get(key);
    if (child.isPresent()) {
      long id = parseChild(child.get());
      OpenFile of = openFiles.get(new FileKey(ctx.id, id));
      Inode inode;
      if (of != null) {
        synchronized (of) {
          inode = of.committed;
        }
      } else {
        inode = inode(ctx, id);
      }
      return new Node(ctx, parent, name, id, inode, of, null);
    }
    Optional<String> original = ConflictNames.original(name);
    if (original.isPresent()) {
      Optional<byte[]> winner = ctx.store.get(Keys.dirent(parent, original.get()));
      if (winner.isPresent()) {
        for (ConflictCopy c : conflicts(ctx, parent, original.get(), parseChild(winner.get()))) {
          if (c.name().equals(name)) {
            return new Node(ctx, parent, name, c.id(), c.inode(), null, c);
          }
        }
      }
    }
    return null;
  }

  /** The losing versions of the dirent {@code parent/name} and of its winning inode. */
  List<ConflictCopy> conflicts(StoreContext ctx, long parent, String name, long winnerChild)
      throws IOException {
    List<ConflictCopy> out = new ArrayList<>();
    Set<String> used = new HashSet<>();
    String direntKey = Keys.dirent(parent, name);
    List<Head> direntHeads = ctx.store.heads(direntKey);
    for (int i = 1; i < direntHeads.size(); i++) {
      Head h = direntHeads.get(i);
      if (h.isDeletion()) {
        continue;
      }
      long child = parseChild(h.value());
      if (child == winnerChild) {
        continue;
      }
      Optional<byte[]> v = ctx.store.get(Keys.inode(child));
      if (v.isEmpty()) {
        continue;
      }
      out.add(
          new ConflictCopy(uniqueName(name, h, used), child, decode(v.get(), child), direntKey));
    }
    String inodeKey = Keys.inode(winnerChild);
    List<Head> inodeHeads = ctx.store.heads(inodeKey);
    for (int i = 1; i < inodeHeads.size(); i++) {
      Head h = inodeHeads.get(i);
      if (h.isDeletion()) {
        continue;
      }
      Inode loser = decode(h.value(), winnerChild);
      if (loser.kind() == Inode.Kind.DIRECTORY) {
        continue;
      }
      out.add(new ConflictCopy(uniqueName(name, h, used), winnerChild, loser, inodeKey));
    }
    return out;
  }

  private static String uniqueName(String name, Head h, Set<String> used) {
    for (int dup = 1; ; dup++) {
      String candidate = ConflictNames.name(name, h.author(), h.hlc(), dup);
      if (used.add(candidate)) {
        return candidate;
      }
    }
  }

  /** Keeps the winner: writing its value again supersedes every head this node sees. */
  private void resolveConflict(StoreContext ctx, ConflictCopy c) throws IOException {
    Optional<byte[]> winner = ctx.store.get(c.key());
    if (winner.isPresent()) {
      ctx.commit(List.of(new Op.Put(c.key(), winner.get())));
    } else {
      ctx.commit(List.of(new Op.Delete(c.key())));
    }
  }

  private Inode inode(StoreContext ctx, long id) throws IOException {
    Optional<byte[]> v = ctx.store.get(Keys.inode(id));
    if (v.isEmpty()) {
      if (id == Keys.ROOT) {
        return Inode.create(Inode.Kind.DIRECTORY, 0755, ownUid, ownGid, 0, null);
      }
      throw new FsException(Errno.ENOENT, "inode " + Keys.id(id) + " is gone");
    }
    return decode(v.get(), id);
  }

  private static Inode decode(byte[] value, long id) throws IOException {
    try {
      return Inode.decode(value);
    } catch (CorruptInodeException e) {
      throw new FsException(Errno.EIO, "corrupt inode " + Keys.id(id) + ": " + e.getMessage(), e);
    }
  }

  private static long parseChild(byte[] value) throws FsException {
    try {
      return Keys.parseId(new String(value, StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new FsException(Errno.EIO, "corrupt dirent value", e);
    }
  }

  private static Op direntPut(long parent, String name, long child) {
    return new Op.Put(
        Keys.dirent(parent, name), Keys.id(child).getBytes(StandardCharsets.US_ASCII));
  }

  /** The op that sets a directory's mtime and ctime to {@code now}. Caller holds the lock. */
  private Op touch(StoreContext ctx, long dir, long now) throws IOException {
    Inode d = inode(ctx, dir);
    return new Op.Put(Keys.inode(dir), d.withTimes(d.atimeNanos(), now, now).encode());
  }

  private void requireAbsent(StoreContext ctx, long parent, String name, String path)
      throws IOException {
    checkName(name);
    String key = Keys.dirent(parent, name);
    if (ctx.pending.containsKey(key) || ctx.store.get(key).isPresent()) {
      throw new FsException(Errno.EEXIST, path);
    }
    if (ConflictNames.original(name).isPresent() && lookupOrNull(ctx, parent, name, path) != null) {
      throw new FsException(Errno.EEXIST, path);
    }
  }

  private void requireEmpty(StoreContext ctx, long dir, String path) throws IOException {
    if (!ctx.store.list(Keys.direntPrefix(dir), null, 1).isEmpty()) {
      throw new FsException(Errno.ENOTEMPTY, path);
    }
    String prefix = Keys.direntPrefix(dir);
    for (String k : ctx.pending.keySet()) {
      if (k.startsWith(prefix)) {
        throw new FsException(Errno.ENOTEMPTY, path);
      }
    }
  }

  private static void checkName(String name) throws FsException {
    if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
      throw new FsException(Errno.ENAMETOOLONG, name.substring(0, 32) + "...");
    }
  }

  private static void requireWritableFile(Node n, String path) throws FsException {
    if (n.ctx == null || n.inode.kind() == Inode.Kind.DIRECTORY) {
      throw new FsException(Errno.EISDIR, path);
    }
    if (n.conflict != null) {
      throw new FsException(Errno.EROFS, path + " is a conflict copy");
    }
    if (n.inode.kind() != Inode.Kind.FILE) {
      throw new FsException(Errno.EINVAL, path + " is not a regular file");
    }
  }

  /** Removes one link to {@code id}; the inode goes when the last one does. Caller holds lock. */
  private void dropLink(StoreContext ctx, long id, Inode inode, long now, List<Op> ops)
      throws IOException {
    OpenFile of = openFiles.get(new FileKey(ctx.id, id));
    int links = inode.nlink() - 1;
    if (links <= 0) {
      ops.add(new Op.Delete(Keys.inode(id)));
      if (of != null) {
        synchronized (of) {
          of.unlinked = true;
        }
      }
      return;
    }
    Inode next = (of != null ? of.committed : inode).withNlink(links, now);
    ops.add(new Op.Put(Keys.inode(id), next.encode()));
    if (of != null) {
      synchronized (of) {
        of.committed = next;
      }
    }
  }

  private interface InodeChange {
    Inode apply(Inode i) throws FsException;
  }

  private void updateInode(String path, UnaryOperator<Inode> fn) throws IOException {
    updateInodeChecked(path, fn::apply);
  }

  private void updateInodeChecked(String path, InodeChange fn) throws IOException {
    String[] parts = split(path);
    if (parts.length == 0) {
      throw new FsException(Errno.EPERM, "the mount root cannot be changed");
    }
    StoreContext ctx = store(parts[0]);
    ctx.namespace.lock();
    try {
      Node n = resolveIn(ctx, parts, path);
      if (n.conflict != null) {
        throw new FsException(Errno.EROFS, path + " is a conflict copy");
      }
      updateInodeLocked(ctx, n.id, n.inode, fn, new ArrayList<>());
    } finally {
      ctx.namespace.unlock();
    }
  }

  /** Applies {@code fn} to the inode (and its open state) and commits it with {@code ops}. */
  private void updateInodeLocked(
      StoreContext ctx, long id, Inode inode, InodeChange fn, List<Op> ops) throws IOException {
    OpenFile of = openFiles.get(new FileKey(ctx.id, id));
    if (of != null) {
      synchronized (of) {
        Inode next = fn.apply(of.committed);
        if (!of.pending && !of.unlinked) {
          ops.add(new Op.Put(Keys.inode(id), next.encode()));
          ctx.commit(ops);
        } else if (!ops.isEmpty()) {
          ctx.commit(ops);
        }
        of.committed = next;
      }
      return;
    }
    Inode next = fn.apply(inode);
    ops.add(new Op.Put(Keys.inode(id), next.encode()));
    ctx.commit(ops);
  }

  private OpenFile newOpenFile(StoreContext ctx, long id, Inode inode) {
    Path staging =
        config
            .stagingDir()
            .resolve(ctx.id + "-" + Keys.id(id) + "-" + stagingSeq.incrementAndGet() + ".stage");
    return new OpenFile(ctx, id, inode, staging, contents, config.readaheadBytes());
  }

  /**
   * The shared open state of a file, with one more handle counted on it. A new state starts from
   * the inode as stored now, read inside the table update: an inode read earlier (by the path
   * lookup) may predate a commit by a handle released in between. ENOENT if the file is gone.
   */
  private OpenFile acquire(StoreContext ctx, long id) throws IOException {
    FileKey key = new FileKey(ctx.id, id);
    try {
      return openFiles.compute(
          key,
          (k, cur) -> {
            OpenFile f;
            if (cur != null) {
              f = cur;
            } else {
              try {
                f = newOpenFile(ctx, id, inode(ctx, id));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
            synchronized (f) {
              f.handles++;
            }
            return f;
          });
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Drops one handle of {@code of}, committing first. Whatever the commit throws, the handle is
   * counted off and the last one closes the state (and deletes its staging file); the failure is
   * rethrown afterwards.
   */
  private void releaseFile(OpenFile of) throws IOException {
    try {
      commit(of);
    } catch (RuntimeException e) {
      LOG.error(
          "commit on close failed for inode {} ({}) of store {}",
          Keys.id(of.id),
          of.pendingName != null ? of.pendingName : "?",
          of.store.name,
          e);
      throw e;
    } finally {
      dropHandle(of);
    }
  }

  private void dropHandle(OpenFile of) throws IOException {
    synchronized (of) {
      if (of.handles == 1 && of.pending) {
        // The first commit failed: the file cannot outlive its last handle.
        of.store.pending.remove(Keys.dirent(of.pendingParent, of.pendingName), of);
        of.pending = false;
        of.unlinked = true;
      }
    }
    FileKey key = new FileKey(of.store.id, of.id);
    boolean[] last = {false};
    if (openFiles.get(key) == of) {
      openFiles.computeIfPresent(
          key,
          (k, cur) -> {
            if (cur != of) {
              return cur;
            }
            synchronized (cur) {
              cur.handles--;
              if (cur.handles > 0) {
                return cur;
              }
            }
            last[0] = true;
            return null;
          });
    } else {
      // A detached state (a conflict copy) that was never in the table.
      synchronized (of) {
        of.handles--;
        last[0] = of.handles <= 0;
      }
    }
    if (last[0]) {
      of.close();
    }
  }

  /** Turns the open state into a committed version, if anything changed. */
  private void commit(OpenFile of) throws IOException {
    StoreContext ctx = of.store;
    of.data.writeLock().lock();
    try {
      boolean pending;
      synchronized (of) {
        if (of.unlinked) {
          return;
        }
        pending = of.pending;
      }
      if (!of.dirty() && !pending) {
        return;
      }
      OpenFile.Content content = of.dirty() ? of.storeContent() : null;
      ctx.namespace.lock();
      try {
        synchronized (of) {
          if (of.unlinked) {
            return;
          }
          long now = nowNanos();
          Inode meta = of.committed;
          Inode next = meta;
          if (of.dirty()) {
            if (content != null) {
              next = next.withContent(content.size(), content.manifest(), content.inline());
            }
            next = next.withTimes(meta.atimeNanos(), of.mtimeNanos(), now);
          }
          List<Op> ops = new ArrayList<>(3);
          ops.add(new Op.Put(Keys.inode(of.id), next.encode()));
          if (of.pending) {
            ops.add(direntPut(of.pendingParent, of.pendingName, of.id));
            ops.add(touch(ctx, of.pendingParent, now));
          }
          ctx.commit(ops);
          if (of.pending) {
            ctx.pending.remove(Keys.dirent(of.pendingParent, of.pendingName), of);
            of.pending = false;
          }
          of.committed = next;
          of.committedContent(next);
        }
      } finally {
        ctx.namespace.unlock();
      }
    } finally {
      of.data.writeLock().unlock();
    }
  }

  /**
   * Takes {@code ctx}'s namespace lock once none of {@code paths} names a file created here and not
   * committed yet: such a file is committed first, outside the lock (its commit takes the lock
   * after the file's data lock), and the check repeats under the lock. The caller unlocks.
   */
  private void lockWithNamesCommitted(StoreContext ctx, String[]... paths) throws IOException {
    while (true) {
      ctx.namespace.lock();
      OpenFile unflushed;
      try {
        unflushed = unflushedAmong(ctx, paths);
      } catch (IOException | RuntimeException e) {
        ctx.namespace.unlock();
        throw e;
      }
      if (unflushed == null) {
        return;
      }
      ctx.namespace.unlock();
      commit(unflushed);
    }
  }

  /** An uncommitted create named by one of {@code paths}, or null. Caller holds the lock. */
  private OpenFile unflushedAmong(StoreContext ctx, String[][] paths) throws IOException {
    for (String[] parts : paths) {
      Node parent;
      try {
        parent = parentOf(ctx, parts, "/" + String.join("/", parts));
      } catch (FsException e) {
        continue; // the operation itself reports the missing parent
      }
      OpenFile of = ctx.pending.get(Keys.dirent(parent.id, parts[parts.length - 1]));
      if (of != null) {
        synchronized (of) {
          if (of.pending) {
            return of;
          }
        }
      }
    }
    return null;
  }

  private Handle handle(long fh) throws FsException {
    Handle h = handles.get(fh);
    if (h == null) {
      throw new FsException(Errno.EBADF, "no handle " + fh);
    }
    return h;
  }

  private long newHandle(OpenFile of, boolean write) {
    long fh = nextHandle.getAndIncrement();
    handles.put(fh, new Handle(of, write));
    return fh;
  }

  private long newId() {
    long id;
    do {
      id = random.nextLong();
    } while (id == 0 || id == Keys.ROOT);
    return id;
  }

  private long nowNanos() {
    java.time.Instant t = config.clock().instant();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private SpaceProvider.Space space() throws IOException {
    long now = System.nanoTime();
    SpaceProvider.Space s = cachedSpace;
    if (s == null || now - spaceCheckedNanos > 250_000_000L) {
      s = config.space().space();
      cachedSpace = s;
      spaceCheckedNanos = now;
    }
    return s;
  }

  private void requireSpace(long bytes) throws IOException {
    if (bytes > 0 && space().freeBytes() < bytes) {
      cachedSpace = null;
      if (space().freeBytes() < bytes) {
        throw new FsException(Errno.ENOSPC, "no room for " + bytes + " more bytes");
      }
    }
  }

  // ---------------------------------------------------------------- stores

  private StoreContext store(String name) throws IOException {
    StoreContext ctx = storesByName.get(name);
    if (ctx != null) {
      return ctx;
    }
    synchronized (rootLock) {
      ctx = storesByName.get(name);
      if (ctx != null) {
        return ctx;
      }
      Optional<Stores.StoreInfo> info = config.stores().findStore(name);
      if (info.isEmpty() || !info.get().name().equals(name)) {
        throw new FsException(Errno.ENOENT, "/" + name);
      }
      ctx = contextOf(info.get().id(), name);
      storesByName.put(name, ctx);
      return ctx;
    }
  }

  private void createStore(String name) throws IOException {
    checkName(name);
    synchronized (rootLock) {
      if (config.stores().findStore(name).isPresent()) {
        throw new FsException(Errno.EEXIST, "/" + name);
      }
      Stores.StoreInfo info = config.stores().createStore(name);
      StoreContext ctx = contextOf(info.id(), name);
      long now = nowNanos();
      Inode root = Inode.create(Inode.Kind.DIRECTORY, 0755, ownUid, ownGid, now, null);
      ctx.commit(List.of(new Op.Put(Keys.inode(Keys.ROOT), root.encode())));
      storesByName.put(name, ctx);
      rootChangedNanos = now;
    }
  }

  private void deleteStore(String name) throws IOException {
    StoreContext ctx = store(name);
    ctx.namespace.lock();
    try {
      requireEmpty(ctx, Keys.ROOT, "/" + name);
      synchronized (rootLock) {
        config.stores().deleteStore(ctx.id);
        storesByName.remove(name);
        // Empty (no dirent, no unflushed create) under its lock: nothing new can start in it.
        contextsById.remove(ctx.id, ctx);
        rootChangedNanos = nowNanos();
      }
    } finally {
      ctx.namespace.unlock();
    }
  }

  /**
   * Forgets cached store name lookups (call when stores change elsewhere, e.g. from a watch). The
   * per-store state (open files, unflushed creates, the namespace lock) is kept: a store whose UUID
   * is unchanged gets the same context back.
   */
  public void invalidateStores() {
    storesByName.clear();
  }

  /** The context of a store by name (tests use its namespace lock to order races). */
  StoreContext context(String storeName) throws IOException {
    return store(storeName);
  }

  /** The one context of store {@code id}, created on first use; its name follows renames. */
  private StoreContext contextOf(UUID id, String name) throws IOException {
    StoreContext ctx = contextsById.get(id);
    if (ctx == null) {
      ctx = new StoreContext(id, name, config.stores().open(id));
      StoreContext raced = contextsById.putIfAbsent(id, ctx);
      if (raced != null) {
        ctx = raced;
      }
    }
    ctx.name = name;
    return ctx;
  }

  static String[] split(String path) throws FsException {
    if (path == null || !path.startsWith("/")) {
      throw new FsException(Errno.EINVAL, "not an absolute path: " + path);
    }
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        throw new FsException(Errno.EINVAL, "'..' in path: " + path);
      }
      parts.add(p);
    }
    return parts.toArray(String[]::new);
  }

  private static int[] processIds() {
    try {
      Object unix =
          Class.forName("com.sun.security.auth.module.UnixSystem").getConstructor().newInstance();
      long uid = (long) unix.getClass().getMethod("getUid").invoke(unix);
      long gid = (long) unix.getClass().getMethod("getGid").invoke(unix);
      return new int[] {(int) uid, (int) gid};
    } catch (ReflectiveOperationException | RuntimeException e) {
      return new int[] {0, 0};
    }
  }
}
