package org.latticefs.fs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.fs.Attr;
import org.latticefs.fs.Caller;
import org.latticefs.fs.DirEntry;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsConfig;
import org.latticefs.fs.FsException;
import org.latticefs.fs.FsStats;
import org.latticefs.fs.PathInfo;
import org.latticefs.fs.TimeChange;
import org.latticefs.fs.UnsavedFile;
import org.latticefs.fs.content.ContentWriter;
import org.latticefs.fs.content.FileContents;
import org.latticefs.fs.core.PathResolver.Resolved;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lattice filesystem's one entry point, path-based like the FUSE high-level API but with Java
 * types: it throws {@link FsException} for expected failures and reads and writes {@link
 * ByteBuffer}s. A FUSE binding (see {@code org.latticefs.fs.fuse}) adapts it; tests call it
 * directly. It only checks arguments and hands each call to the class that does that job.
 *
 * <h2>Layout</h2>
 *
 * The root lists the stores ({@link StoreRoot}); {@code mkdir} there creates a store and {@code
 * rmdir} of an empty one deletes it. Inside a store every file, directory and symlink is an {@link
 * Inode} under {@code /inodes/{id}} and every name a dirent {@code /dirents/{parent}/{name}} (see
 * {@link Keys}), so renaming a folder of any size is one dirent move ({@link Namespace}).
 *
 * <h2>Writes</h2>
 *
 * Writes go to the open file's content writer (see {@link OpenFile}, {@link
 * org.latticefs.fs.content.ContentWriter}); flush, fsync and release store the new content in cas
 * (one durable batch) and then commit the new inode in one log entry ({@link OpenFiles}). When
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
 * ConflictNames} name ({@link ConflictCopies}). Unlinking a conflict copy resolves the conflict in
 * favour of the winner.
 *
 * <h2>Not supported</h2>
 *
 * Hard links to directories (EPERM), renaming a store (EPERM), moves between stores (EXDEV, so
 * {@code mv} copies), special files in the mount root (EPERM).
 *
 * <h2>Special files</h2>
 *
 * FIFOs, sockets and device nodes are inodes of their own kinds ({@link #mknod}); the kernel opens
 * them itself (a pipe, a socket, the driver), so no read or write of theirs reaches Lattice.
 */
public final class LatticeFileSystem implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LatticeFileSystem.class);
  private static final int O_ACCMODE = 3;
  private static final int O_TRUNC = 01000;

  /** open(2)'s O_EXCL: {@link #create} fails with EEXIST instead of opening an existing file. */
  public static final int O_EXCL = 0200;

  /** The longest name, in bytes: longer ones are refused with ENAMETOOLONG wherever they appear. */
  public static final int NAME_MAX = PathResolver.NAME_MAX;

  private static final long ATIME_SAVE_SECONDS = 60;

  private final NanoClock clock;
  private final FileContents contents;
  private final StoreRoot root;
  private final OpenFiles open;
  private final PathResolver paths;
  private final Handles handles = new Handles();
  private final ConflictCopies conflicts = new ConflictCopies();
  private final Attributes attributes;
  private final InodeUpdates updates;
  private final Namespace namespace;
  private final Xattrs xattrs;
  private final SpaceGuard space;
  private final InodeCensus census;
  private final AccessTimes atimes;
  private final ScheduledExecutorService saver;
  private final UnsavedFiles unsaved;

  /**
   * A filesystem over {@code config}. Empties the staging directory (leftovers of a crash never
   * were durable), opens every store (so kv checks each: a damaged one is left out of the mount and
   * listed by {@link org.latticefs.kv.Stores#damaged}) and starts watching the root store for
   * stores created or deleted elsewhere.
   */
  public LatticeFileSystem(FsConfig config) throws IOException {
    Inodes inodes = Inodes.ofThisProcess();
    this.clock = new NanoClock(config.clock());
    this.contents = new FileContents(config);
    this.root = new StoreRoot(config.stores(), inodes, clock);
    this.open = new OpenFiles(contents, inodes, clock, this::saveUnsaved);
    this.paths = new PathResolver(root, inodes, open, conflicts);
    this.atimes = new AccessTimes(config.atimeFile(), AccessTimes.DEFAULT_CAPACITY);
    this.attributes = new Attributes(root, inodes, open, atimes, contents, config.owners());
    this.updates = new InodeUpdates(root, paths, open, inodes.links(), clock);
    this.namespace = new Namespace(root, paths, inodes, open, conflicts, updates, clock);
    this.unsaved = new UnsavedFiles(contents.keptDir(), inodes, clock, namespace::newId);
    this.xattrs = new Xattrs(paths, updates, clock);
    this.space = new SpaceGuard(config.space(), clock, contents::pendingBytes);
    this.census = new InodeCensus(root);
    this.saver = config.atimeFile() == null ? null : startSaver(atimes);
    root.openAll();
  }

  /** Saves the access times every {@value #ATIME_SAVE_SECONDS} s, on a thread of its own. */
  private static ScheduledExecutorService startSaver(AccessTimes atimes) {
    ScheduledExecutorService s =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lattice-atime-saver");
              t.setDaemon(true);
              return t;
            });
    s.scheduleWithFixedDelay(
        () -> saveQuietly(atimes), ATIME_SAVE_SECONDS, ATIME_SAVE_SECONDS, TimeUnit.SECONDS);
    return s;
  }

  private static void saveQuietly(AccessTimes atimes) {
    try {
      atimes.save();
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not save the access times", e);
    }
  }

  // ---------------------------------------------------------------- attributes and lookup

  public Attr getattr(String path) throws IOException {
    return attributes.of(paths.resolve(path));
  }

  /** Attributes through an open handle (works after the path was unlinked). */
  public Attr getattr(long fh) throws IOException {
    return attributes.of(handles.file(fh).file());
  }

  public String readlink(String path) throws IOException {
    Resolved n = paths.resolve(path);
    if (n.inode() == null || n.inode().kind() != Inode.Kind.SYMLINK) {
      throw new FsException(Errno.EINVAL, path + " is not a symlink");
    }
    return n.inode().target();
  }

  // ---------------------------------------------------------------- directories

  /**
   * Opens a directory for {@link #readdir}; the caller releases it with {@link #releasedir}. Moves
   * the directory's atime as a read does ({@link AccessTimes}).
   */
  public long opendir(String path) throws IOException {
    Resolved n = paths.resolve(path);
    if (n.ctx() != null && (n.inode() == null || n.inode().kind() != Inode.Kind.DIRECTORY)) {
      throw new FsException(Errno.ENOTDIR, path);
    }
    if (n.ctx() != null && n.conflict() == null) {
      Inode d = n.inode();
      atimes.read(
          n.ctx().ino(n.id()), d.atimeNanos(), d.mtimeNanos(), d.ctimeNanos(), clock.nowNanos());
    }
    return handles.openDir(new DirListing(root, conflicts, n.ctx(), n.id()));
  }

  /** How many names directory handle {@code fh} holds (bounded, see {@link DirListing}). */
  int namesHeld(long fh) throws FsException {
    return handles.dir(fh).held();
  }

  public void releasedir(long fh) {
    handles.closeDir(fh);
  }

  /**
   * Up to {@code max} entries from {@code offset} (0 for the start; then an entry's {@code
   * nextOffset}), including {@code .} and {@code ..}. Offsets stay valid for the handle: a
   * directory changing while it is read never makes an entry repeat.
   */
  public List<DirEntry> readdir(long fh, long offset, int max) throws IOException {
    return handles.dir(fh).read(offset, max);
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
    namespace.mkdir(path, mode, caller);
  }

  public void rmdir(String path) throws IOException {
    namespace.rmdir(path);
  }

  /**
   * Creates a special file ({@link Inode.Kind#isSpecial()}: a FIFO, a socket, a character or block
   * device numbered {@code rdev}) with permission bits {@code mode}. EEXIST if the name is taken.
   */
  public void mknod(String path, Inode.Kind kind, int mode, long rdev, Caller caller)
      throws IOException {
    namespace.mknod(path, kind, mode & 07777, rdev, caller);
  }

  // ---------------------------------------------------------------- files

  /**
   * Creates and opens a new regular file. If the name is taken: with O_EXCL in {@code flags}
   * EEXIST, without it the existing file is opened as {@link #open} does (two racing {@code
   * open(O_CREAT)} of a new name both succeed on one file).
   */
  public long create(String path, int mode, int flags, Caller caller) throws IOException {
    for (int attempt = 0; ; attempt++) {
      boolean exclusive = (flags & O_EXCL) != 0 || attempt >= 8;
      OpenFile created = namespace.create(path, mode, exclusive, caller);
      if (created != null) {
        created.where = new OpenFile.Where(created.pendingParent, created.pendingName, path);
        return handles.open(created, true);
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

  /** Opens an existing file. {@code flags} are the open(2) flags. */
  public long open(String path, int flags) throws IOException {
    Resolved n = paths.resolve(path);
    if (n.ctx() == null || n.inode().kind() == Inode.Kind.DIRECTORY) {
      throw new FsException(Errno.EISDIR, path);
    }
    if (n.inode().kind() != Inode.Kind.FILE) {
      throw new FsException(Errno.EINVAL, path + " is not a regular file");
    }
    boolean write = (flags & O_ACCMODE) != 0;
    if (n.conflict() != null) {
      if (write) {
        throw new FsException(Errno.EROFS, path + " is a conflict copy (read-only)");
      }
      return handles.open(open.detached(n.ctx(), n.id(), n.inode()), false);
    }
    OpenFile of = open.acquire(n.ctx(), n.id());
    of.where = new OpenFile.Where(n.parent(), n.name(), path);
    if (write && (flags & O_TRUNC) != 0) {
      of.truncate(0, clock.nowNanos());
    }
    return handles.open(of, write);
  }

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code pos}; returns the count (0 at the end).
   * Moves the file's atime as {@code relatime} says, on this node only ({@link AccessTimes}).
   */
  public int read(long fh, long pos, ByteBuffer dst) throws IOException {
    if (pos < 0) {
      throw new FsException(Errno.EINVAL, "negative offset");
    }
    OpenFile of = handles.file(fh).file();
    int n = of.read(pos, dst);
    OpenFile.Live live = of.live();
    Inode meta = live.meta();
    atimes.read(
        of.store.ino(of.id),
        meta.atimeNanos(),
        live.mtimeNanos(),
        meta.ctimeNanos(),
        clock.nowNanos());
    return n;
  }

  /**
   * Writes all of {@code src} at {@code pos}; returns the count. ENOSPC if it does not fit (see
   * {@link SpaceGuard}): a write that fails leaves the file's committed version in place, and its
   * other changes since are not committed under its name (see {@link OpenFiles#commit}).
   */
  public int write(long fh, long pos, ByteBuffer src) throws IOException {
    OpenFile of = handles.writable(fh).file();
    if (pos < 0) {
      throw new FsException(Errno.EINVAL, "negative offset");
    }
    requireFileSize(pos + src.remaining());
    try {
      // A write past the end leaves a hole, which costs nothing: only the bytes written need room.
      space.require(src.remaining());
    } catch (FsException e) {
      of.changeFailed(e);
      throw e;
    }
    return of.write(pos, src, clock.nowNanos());
  }

  /** Commits the file's content if it changed; survives kill -9 of the daemon on return. */
  public void flush(long fh) throws IOException {
    open.commit(handles.file(fh).file());
  }

  /**
   * Commits the file's content if it changed and fsyncs its store's log: on return the file, and
   * every earlier change in its store, survives a power loss.
   */
  public void fsync(long fh) throws IOException {
    OpenFile of = handles.file(fh).file();
    open.commit(of);
    of.store.sync();
  }

  /**
   * Fsyncs the log of the store holding {@code path} (of every open store for the mount root): on
   * return every change made there so far survives a power loss.
   */
  public void fsyncdir(String path) throws IOException {
    String[] parts = PathResolver.split(path);
    if (parts.length == 0) {
      for (StoreContext ctx : root.cached()) {
        ctx.sync();
      }
    } else {
      root.store(parts[0]).sync();
    }
  }

  /** Closes a handle; the last one commits what is left and frees the staging file. */
  public void release(long fh) throws IOException {
    open.release(handles.remove(fh).file());
  }

  /**
   * Cuts or extends a file to {@code size} bytes. Extending costs nothing whatever the size: the
   * new bytes are a hole, stored as its length. EFBIG past {@link ContentWriter#MAX_SIZE}.
   */
  public void truncate(String path, long size) throws IOException {
    if (size < 0) {
      throw new FsException(Errno.EINVAL, "negative size");
    }
    requireFileSize(size);
    Resolved n = paths.resolve(path);
    requireWritableFile(n, path);
    OpenFile of = open.acquire(n.ctx(), n.id());
    of.where = new OpenFile.Where(n.parent(), n.name(), path);
    try {
      of.truncate(size, clock.nowNanos());
    } finally {
      open.release(of);
    }
  }

  /** {@link #truncate} through an open handle. */
  public void ftruncate(long fh, long size) throws IOException {
    if (size < 0) {
      throw new FsException(Errno.EINVAL, "negative size");
    }
    requireFileSize(size);
    handles.writable(fh).file().truncate(size, clock.nowNanos());
  }

  public void unlink(String path) throws IOException {
    namespace.unlink(path);
  }

  /** See {@link Namespace#rename}. */
  public void rename(String from, String to) throws IOException {
    namespace.rename(from, to);
  }

  public void symlink(String target, String linkPath, Caller caller) throws IOException {
    namespace.symlink(target, linkPath, caller);
  }

  /** A hard link: a second dirent for the same inode ({@code nlink} counts them). */
  public void link(String existing, String newPath) throws IOException {
    namespace.link(existing, newPath);
  }

  // ---------------------------------------------------------------- metadata

  public void chmod(String path, int mode) throws IOException {
    updates.chmod(path, mode);
  }

  /** Changes owner and/or group; -1 leaves one unchanged. */
  public void chown(String path, int uid, int gid) throws IOException {
    updates.chown(path, uid, gid);
  }

  /**
   * Sets the access and modification times, each kept, set to this filesystem's clock or to a given
   * time ({@code utimensat(2)}'s {@code UTIME_OMIT}, {@code UTIME_NOW}, or a time).
   */
  public void utimens(String path, TimeChange atime, TimeChange mtime) throws IOException {
    updates.utimens(path, atime, mtime);
  }

  /**
   * Capacity as {@code df} shows it: used is what Lattice holds (its blobs), of the quota or else
   * of the disk; the inodes in use are those of the stores (counted in the background, see {@link
   * InodeCensus}).
   */
  public FsStats statfs() throws IOException {
    return space.statfs(census.count());
  }

  /**
   * Per store (by id): its inodes, regular files and their bytes, as the inode census last counted
   * them (at most {@value InodeCensus#REFRESH_SECONDS} s old once counted; asking starts a recount
   * when stale). Never waits: empty before the first count ends; a store missing from it (new,
   * damaged) was not counted yet.
   */
  public java.util.Map<java.util.UUID, org.latticefs.fs.StoreUsage> storeUsage() {
    return census.perStore();
  }

  // ---------------------------------------------------------------- xattrs

  /** The value of xattr {@code name}; ENODATA if it is not set. */
  public byte[] getxattr(String path, String name) throws IOException {
    return xattrs.get(path, name);
  }

  /** The names of all xattrs, in ascending order. */
  public List<String> listxattr(String path) throws IOException {
    return xattrs.list(path);
  }

  /** See {@link Xattrs#set}. */
  public void setxattr(String path, String name, byte[] value, int flags) throws IOException {
    xattrs.set(path, name, value, flags);
  }

  public void removexattr(String path, String name) throws IOException {
    xattrs.remove(path, name);
  }

  // ---------------------------------------------------------------- inspection

  /** Inode, manifest and chunks of a path, for {@code lattice-fs stat}. */
  public PathInfo describe(String path) throws IOException {
    Resolved n = paths.resolve(path);
    if (n.ctx() == null) {
      throw new FsException(Errno.EINVAL, "the mount root is not in a store");
    }
    Inode inode = n.inode();
    List<Chunk> chunks =
        inode.manifest() == null ? List.of() : contents.reader(inode.manifest()).chunks();
    return new PathInfo(
        path,
        n.ctx().name,
        n.ctx().id,
        n.id(),
        inode,
        n.open() != null,
        n.conflict() != null,
        chunks);
  }

  /**
   * Content whose last commit failed, saved beside its file or kept on the local disk (see {@link
   * UnsavedFile}), this run's and what earlier runs left on disk: for {@code lattice-fs status}.
   */
  public List<UnsavedFile> unsavedFiles() {
    return unsaved.list();
  }

  /** How many files are open on this node (for status output and leak checks in tests). */
  public int openFileCount() {
    return open.count();
  }

  /**
   * Commits every dirty open file and fsyncs every open store (used before unmounting). Errors are
   * logged, not thrown.
   */
  public void flushAll() {
    open.commitAll();
    for (StoreContext ctx : root.cached()) {
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
   * File versions (commits and checkpoints) whose content was ingested in the background while a
   * sequential writer wrote it, for metrics and tests.
   */
  public long backgroundIngests() {
    return contents.backgroundIngests();
  }

  /**
   * Forgets cached store name lookups (call when stores change elsewhere, e.g. from a watch). The
   * per-store state (open files, unflushed creates, the namespace lock) is kept.
   */
  public void invalidateStores() {
    root.invalidate();
  }

  /** The context of a store by name (tests use its namespace lock to order races). */
  StoreContext context(String storeName) throws IOException {
    return root.store(storeName);
  }

  @Override
  public void close() {
    flushAll();
    census.close();
    if (saver != null) {
      saver.shutdownNow();
    }
    saveQuietly(atimes);
    contents.close();
    root.close();
    open.closeAll();
    handles.clear();
  }

  /** What the open files hand over when their last commit failed (see {@link OpenFiles}). */
  private UnsavedFile saveUnsaved(OpenFile of, Throwable failure) {
    return unsaved.save(of, failure);
  }

  /** EFBIG for a size past {@link ContentWriter#MAX_SIZE} (or past any long: negative). */
  private static void requireFileSize(long size) throws FsException {
    if (size < 0 || size > ContentWriter.MAX_SIZE) {
      throw new FsException(
          Errno.EFBIG, "a file holds at most " + ContentWriter.MAX_SIZE + " bytes, not " + size);
    }
  }

  private static void requireWritableFile(Resolved n, String path) throws FsException {
    if (n.ctx() == null || n.inode().kind() == Inode.Kind.DIRECTORY) {
      throw new FsException(Errno.EISDIR, path);
    }
    if (n.conflict() != null) {
      throw new FsException(Errno.EROFS, path + " is a conflict copy");
    }
    if (n.inode().kind() != Inode.Kind.FILE) {
      throw new FsException(Errno.EINVAL, path + " is not a regular file");
    }
  }
}
