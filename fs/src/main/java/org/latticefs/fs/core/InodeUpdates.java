package org.latticefs.fs.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.TimeChange;
import org.latticefs.fs.core.PathResolver.Resolved;
import org.latticefs.fs.inode.Inode;
import org.latticefs.kv.Op;

/**
 * Changes an inode's metadata in place (mode, owner, times, link count, xattrs) in one log entry,
 * keeping a file open here in step: the change applies to its open state's committed inode, so a
 * later commit of its content keeps it, and a create not committed yet takes it with its first
 * commit. Conflict copies are read-only (EROFS), the mount root cannot be changed (EPERM).
 */
final class InodeUpdates {
  /** A change to an inode; may refuse it with an {@link FsException}. */
  interface Change {
    Inode apply(Inode i) throws FsException;
  }

  private final StoreRoot root;
  private final PathResolver paths;
  private final OpenFiles open;
  private final DirLinks links;
  private final NanoClock clock;

  InodeUpdates(
      StoreRoot root, PathResolver paths, OpenFiles open, DirLinks links, NanoClock clock) {
    this.root = root;
    this.paths = paths;
    this.open = open;
    this.links = links;
    this.clock = clock;
  }

  void chmod(String path, int mode) throws IOException {
    long now = clock.nowNanos();
    update(path, i -> i.withMode(mode & 07777, now));
  }

  /** Changes owner and/or group; -1 leaves one unchanged. */
  void chown(String path, int uid, int gid) throws IOException {
    long now = clock.nowNanos();
    update(path, i -> i.withOwner(uid == -1 ? i.uid() : uid, gid == -1 ? i.gid() : gid, now));
  }

  /**
   * Sets the access and modification times as {@code utimensat(2)} does: each may be kept ({@code
   * UTIME_OMIT}), set to this filesystem's clock ({@code UTIME_NOW}) or to a given time; the change
   * time becomes the clock's now. A file open here shows the new mtime at once.
   */
  void utimens(String path, TimeChange atime, TimeChange mtime) throws IOException {
    long now = clock.nowNanos();
    Resolved n = paths.resolve(path);
    if (n.open() != null && !(mtime instanceof TimeChange.Keep)) {
      n.open().setMtime(mtime.apply(n.open().mtimeNanos(), now));
    }
    update(
        path,
        i -> i.withTimes(atime.apply(i.atimeNanos(), now), mtime.apply(i.mtimeNanos(), now), now));
  }

  /** Applies {@code fn} to the inode {@code path} names and commits it. */
  void update(String path, Change fn) throws IOException {
    String[] parts = PathResolver.split(path);
    if (parts.length == 0) {
      throw new FsException(Errno.EPERM, "the mount root cannot be changed");
    }
    StoreContext ctx = root.store(parts[0]);
    ctx.namespace.lock();
    try {
      Resolved n = paths.resolveIn(ctx, parts, path);
      if (n.conflict() != null) {
        throw new FsException(Errno.EROFS, path + " is a conflict copy");
      }
      updateLocked(ctx, n.id(), n.inode(), fn, new ArrayList<>());
    } finally {
      ctx.namespace.unlock();
    }
  }

  /**
   * Applies {@code fn} to inode {@code id} (to its open state's committed inode if it is open here)
   * and commits it together with {@code ops}. Caller holds the namespace lock.
   */
  void updateLocked(StoreContext ctx, long id, Inode inode, Change fn, List<Op> ops)
      throws IOException {
    OpenFile of = open.get(ctx, id);
    if (of != null) {
      synchronized (of) {
        Inode next = fn.apply(of.committed);
        if (!of.pending && !of.unlinked) {
          ops.add(Inodes.put(id, next));
          ctx.commit(ops);
        } else if (!ops.isEmpty()) {
          ctx.commit(ops);
        }
        of.committed = next;
      }
      return;
    }
    Inode next = fn.apply(links.settle(ctx, id, inode));
    ops.add(Inodes.put(id, next));
    ctx.commit(ops);
  }
}
