package org.latticefs.fs.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsErrors;
import org.latticefs.fs.FsException;
import org.latticefs.fs.UnsavedFile;
import org.latticefs.fs.content.FileContents;
import org.latticefs.fs.content.Version;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files open on this node, one {@link OpenFile} per file however many handles hold it, and
 * their commits: turning an open file's content into a new committed version (content stored in
 * cas, then one log entry with the new inode, and the dirent of a create not committed yet).
 *
 * <h2>Durability</h2>
 *
 * When {@link #commit} returns, the new version survives kill -9 of the daemon: its content is
 * durable in cas (or, up to {@link Inode#MAX_INLINE} bytes, inside the inode) and its log entry
 * written to the OS (the store's sync makes it survive a power loss too). A commit that fails has
 * not happened: the file keeps its committed version, and the open file keeps what was written, so
 * the next flush commits it.
 *
 * <p>Thread-safe. Lock order: the file's data lock, then the store's namespace lock, then the
 * file's monitor.
 */
final class OpenFiles {
  private static final Logger LOG = LoggerFactory.getLogger(OpenFiles.class);

  private record FileKey(UUID store, long id) {}

  private final ConcurrentHashMap<FileKey, OpenFile> table = new ConcurrentHashMap<>();
  private final FileContents contents;
  private final Inodes inodes;
  private final NanoClock clock;
  private final Saver unsaved;

  /** Saves what a file's failed last commit would drop (see {@link UnsavedFiles#save}). */
  interface Saver {
    UnsavedFile save(OpenFile of, Throwable failure);
  }

  OpenFiles(FileContents contents, Inodes inodes, NanoClock clock, Saver unsaved) {
    this.contents = contents;
    this.inodes = inodes;
    this.clock = clock;
    this.unsaved = unsaved;
  }

  /** The open state of file {@code id} of {@code ctx}, or null if it is not open here. */
  OpenFile get(StoreContext ctx, long id) {
    return table.get(new FileKey(ctx.id, id));
  }

  int count() {
    return table.size();
  }

  List<OpenFile> all() {
    return new ArrayList<>(table.values());
  }

  /**
   * The shared open state of a file, with one more handle counted on it. A new state starts from
   * the inode as stored now, read inside the table update: an inode read earlier (by the path
   * lookup) may predate a commit by a handle released in between. ENOENT if the file is gone.
   */
  OpenFile acquire(StoreContext ctx, long id) throws IOException {
    try {
      return table.compute(
          new FileKey(ctx.id, id),
          (k, cur) -> {
            OpenFile f;
            if (cur != null) {
              f = cur;
            } else {
              try {
                f = newOpenFile(ctx, id, inodes.get(ctx, id));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }
            synchronized (f) {
              f.handles++;
            }
            return f;
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * A file created here as {@code name} in directory {@code parent}, open with one handle; it
   * exists only in memory until its first commit. Caller holds the store's namespace lock.
   */
  OpenFile create(StoreContext ctx, long id, Inode inode, long parent, String name) {
    OpenFile of = newOpenFile(ctx, id, inode);
    synchronized (of) {
      of.pending = true;
      of.pendingParent = parent;
      of.pendingName = name;
      of.handles = 1;
    }
    ctx.pending.put(Keys.dirent(parent, name), of);
    table.put(new FileKey(ctx.id, id), of);
    return of;
  }

  /** A read-only open state outside the table (a conflict copy), with one handle. */
  OpenFile detached(StoreContext ctx, long id, Inode inode) {
    OpenFile of = newOpenFile(ctx, id, inode);
    synchronized (of) {
      of.handles = 1;
    }
    return of;
  }

  /**
   * Drops one handle of {@code of}, committing first, and the last one closes the state (and
   * deletes its staging file) whatever happens.
   *
   * <h2>A last commit that fails</h2>
   *
   * When the last handle closes with changes that are not committed — its commit fails now, or the
   * last commit attempt (its {@code flush}, whose error {@code close(2)} returned) failed and no
   * commit succeeded since — the content is not committed under the file's name (the caller was
   * told it failed) but saved beside it by {@link UnsavedFiles}, and this throws the failure,
   * saying where the content went.
   */
  void release(OpenFile of) throws IOException {
    Throwable failure = null;
    boolean last;
    synchronized (of) {
      last = of.handles == 1;
    }
    try {
      Throwable earlier = of.commitFailure;
      if (last && earlier != null && of.changed()) {
        failure = earlier;
      } else {
        commit(of);
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
    } finally {
      UnsavedFile saved = dropHandle(of, failure);
      if (failure != null) {
        throw closedWith(failure, saved);
      }
    }
  }

  /** The error a release that could not commit throws: where the content went, and why. */
  private static IOException closedWith(Throwable failure, UnsavedFile saved) {
    String where = saved == null ? "" : "; " + saved.describe();
    return new FsException(
        errnoOf(failure), "not committed: " + failure.getMessage() + where, failure);
  }

  /** What a failure means to the caller: its own errno, ENOSPC for a full disk, else EIO. */
  private static Errno errnoOf(Throwable failure) {
    if (failure instanceof FsException f) {
      return f.errno();
    }
    return FsErrors.isNoSpace(failure) ? Errno.ENOSPC : Errno.EIO;
  }

  /**
   * Turns the open state into a committed version, if anything changed. A failure is remembered
   * (see {@link #release}) until a commit succeeds. A file one of whose writes or truncates failed
   * since its last commit ({@link OpenFile#failedChange}) is not committed: its content might lack
   * what the writer was told did not happen and then carried on past, so the file keeps its last
   * committed version (a file created here and never committed does not appear), and its content is
   * saved beside it when it closes.
   */
  void commit(OpenFile of) throws IOException {
    try {
      commitOrThrow(of);
      of.commitFailure = null;
    } catch (IOException | RuntimeException e) {
      of.commitFailure = e;
      throw e;
    }
  }

  private void commitOrThrow(OpenFile of) throws IOException {
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
      boolean changed = of.changed();
      if (!changed && !pending) {
        return;
      }
      Throwable failed = of.failedChange;
      if (failed != null && (changed || pending)) {
        throw new FsException(
            errnoOf(failed),
            "a change since the last commit failed ("
                + failed.getMessage()
                + "), so this version is not committed; the file keeps its last committed version",
            failed);
      }
      Version content = changed ? of.storeContent() : null;
      ctx.namespace.lock();
      try {
        synchronized (of) {
          if (of.unlinked) {
            return;
          }
          long now = clock.nowNanos();
          Inode meta = of.committed;
          Inode next = meta;
          if (changed) {
            if (content != null) {
              next = next.withContent(content.size(), content.manifest(), content.inline());
            }
            next = next.withTimes(meta.atimeNanos(), of.mtimeNanos(), now);
          }
          List<Op> ops = new ArrayList<>(3);
          ops.add(Inodes.put(of.id, next));
          if (of.pending) {
            ops.add(Inodes.direntPut(of.pendingParent, of.pendingName, of.id));
            ops.add(inodes.touch(ctx, of.pendingParent, now));
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

  /** Commits every changed open file; errors are logged, not thrown. */
  void commitAll() {
    for (OpenFile of : all()) {
      try {
        commit(of);
      } catch (IOException | RuntimeException e) {
        LOG.error("could not commit open file {} of store {}", Keys.id(of.id), of.store.name, e);
      }
    }
  }

  /**
   * Closes every open state and empties the table; what could not be committed (see {@link
   * #commitAll}) is saved by {@link UnsavedFiles}.
   */
  void closeAll() {
    for (OpenFile of : all()) {
      Throwable failure = of.commitFailure;
      boolean unlinked;
      synchronized (of) {
        unlinked = of.unlinked;
      }
      if (failure != null && !unlinked && of.changed()) {
        unsaved.save(of, failure);
      }
      try {
        of.close();
      } catch (IOException e) {
        LOG.warn("could not remove staging file of {}", Keys.id(of.id), e);
      }
    }
    table.clear();
  }

  /**
   * Counts off one handle of {@code of}; the last one closes it, saving its content first if {@code
   * failure} kept it from being committed. Returns what was saved, if anything.
   */
  private UnsavedFile dropHandle(OpenFile of, Throwable failure) throws IOException {
    boolean mustSave;
    synchronized (of) {
      mustSave = failure != null && of.handles == 1 && !of.unlinked;
      if (of.handles == 1 && of.pending) {
        // The first commit failed: the file cannot outlive its last handle.
        of.store.pending.remove(Keys.dirent(of.pendingParent, of.pendingName), of);
        of.pending = false;
        of.unlinked = true;
      }
    }
    FileKey key = new FileKey(of.store.id, of.id);
    boolean[] last = {false};
    if (table.get(key) == of) {
      table.computeIfPresent(
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
    UnsavedFile saved = null;
    if (last[0]) {
      try {
        if (mustSave) {
          saved = unsaved.save(of, failure);
        }
      } finally {
        of.close();
      }
    }
    return saved;
  }

  private OpenFile newOpenFile(StoreContext ctx, long id, Inode inode) {
    String name = ctx.id + "-" + Keys.id(id);
    String what = "inode " + Keys.id(id) + " of store " + ctx.name;
    return new OpenFile(ctx, id, inode, contents.writer(OpenFile.version(inode), name, what));
  }
}
