package org.latticefs.fs.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
 * durable in cas and its log entry written to the OS (the store's sync makes it survive a power
 * loss too). A commit that fails has not happened: the file keeps its committed version, and the
 * open file keeps what was written, so the next flush commits it.
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

  OpenFiles(FileContents contents, Inodes inodes, NanoClock clock) {
    this.contents = contents;
    this.inodes = inodes;
    this.clock = clock;
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
   * Drops one handle of {@code of}, committing first. Whatever the commit throws, the handle is
   * counted off and the last one closes the state (and deletes its staging file); the failure is
   * rethrown afterwards.
   */
  void release(OpenFile of) throws IOException {
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

  /** Turns the open state into a committed version, if anything changed. */
  void commit(OpenFile of) throws IOException {
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

  /** Closes every open state (what was not committed is dropped) and empties the table. */
  void closeAll() {
    for (OpenFile of : all()) {
      try {
        of.close();
      } catch (IOException e) {
        LOG.warn("could not remove staging file of {}", Keys.id(of.id), e);
      }
    }
    table.clear();
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
    if (last[0]) {
      of.close();
    }
  }

  private OpenFile newOpenFile(StoreContext ctx, long id, Inode inode) {
    String name = ctx.id + "-" + Keys.id(id);
    return new OpenFile(
        ctx, id, inode, contents.writer(OpenFile.version(inode), name, "inode " + Keys.id(id)));
  }
}
