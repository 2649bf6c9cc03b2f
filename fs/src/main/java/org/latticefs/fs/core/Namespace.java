package org.latticefs.fs.core;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.fs.Caller;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.core.PathResolver.Resolved;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.Op;

/**
 * Changes to the names of a store's tree: directories, files, symlinks and hard links created,
 * removed and renamed, each in one log entry under the store's namespace lock (at the mount root,
 * {@code mkdir} and {@code rmdir} create and delete stores). When a method returns, its change
 * survives kill -9 of the daemon; when it throws, nothing changed.
 *
 * <h2>Files created here</h2>
 *
 * A new file exists only in memory until its first commit (see {@link OpenFiles}), so create, write
 * and close cost one log entry. Its name is taken all the same: lookups, listings and emptiness
 * checks see it. An operation whose own paths name such a file commits it first ({@link
 * #lockWithNamesCommitted}), so a rename or link never moves a name whose inode is not stored.
 *
 * <h2>Not supported</h2>
 *
 * Hard links to directories (EPERM), renaming a store (EPERM), moves between stores or between the
 * root and a store (EXDEV, so {@code mv} copies).
 */
final class Namespace {
  private static final int SET_GID = 02000;

  private final StoreRoot root;
  private final PathResolver paths;
  private final Inodes inodes;
  private final OpenFiles open;
  private final ConflictCopies conflicts;
  private final InodeUpdates updates;
  private final NanoClock clock;
  private final SecureRandom random = new SecureRandom();

  Namespace(
      StoreRoot root,
      PathResolver paths,
      Inodes inodes,
      OpenFiles open,
      ConflictCopies conflicts,
      InodeUpdates updates,
      NanoClock clock) {
    this.root = root;
    this.paths = paths;
    this.inodes = inodes;
    this.open = open;
    this.conflicts = conflicts;
    this.updates = updates;
    this.clock = clock;
  }

  void mkdir(String path, int mode, Caller caller) throws IOException {
    String[] parts = PathResolver.split(path);
    if (parts.length == 0) {
      throw new FsException(Errno.EEXIST, "/");
    }
    if (parts.length == 1) {
      root.create(parts[0]);
      return;
    }
    add(
        parts,
        path,
        1,
        (now, parent) ->
            Inode.create(
                Inode.Kind.DIRECTORY,
                mode | (parent.mode() & SET_GID),
                caller.uid(),
                gid(parent, caller),
                now,
                null));
  }

  /**
   * Creates a special file: a FIFO, socket, or character or block device with number {@code rdev}
   * (stored as an inode kind; the kernel serves it). EPERM at the mount root.
   */
  void mknod(String path, Inode.Kind kind, int mode, long rdev, Caller caller) throws IOException {
    if (!kind.isSpecial()) {
      throw new FsException(Errno.EINVAL, "mknod makes special files, not " + kind);
    }
    addInStore(
        path,
        Errno.EPERM,
        "special files",
        (now, parent) ->
            Inode.create(kind, mode, caller.uid(), gid(parent, caller), now, null, rdev));
  }

  void rmdir(String path) throws IOException {
    String[] parts = PathResolver.split(path);
    if (parts.length == 0) {
      throw new FsException(Errno.EBUSY, "cannot remove the mount root");
    }
    if (parts.length == 1) {
      root.delete(parts[0]);
      return;
    }
    StoreContext ctx = root.store(parts[0]);
    ctx.namespace.lock();
    try {
      Resolved n = paths.resolveIn(ctx, parts, path);
      if (n.conflict() != null || n.inode().kind() != Inode.Kind.DIRECTORY) {
        throw new FsException(Errno.ENOTDIR, path);
      }
      ctx.requireEmpty(n.id(), path);
      long now = clock.nowNanos();
      ctx.commit(
          List.of(
              new Op.Delete(Keys.dirent(n.parent(), n.name())),
              new Op.Delete(Keys.inode(n.id())),
              inodes.touch(ctx, n.parent(), now, -1)));
    } finally {
      ctx.namespace.unlock();
    }
  }

  /**
   * Creates a regular file, open with one handle, not committed yet. If the name is taken: EEXIST
   * when {@code exclusive}, else null (the caller opens the existing file).
   */
  OpenFile create(String path, int mode, boolean exclusive, Caller caller) throws IOException {
    String[] parts = PathResolver.split(path);
    if (parts.length < 2) {
      throw new FsException(Errno.EACCES, "files live inside a store, not in the mount root");
    }
    StoreContext ctx = root.store(parts[0]);
    ctx.namespace.lock();
    try {
      Resolved parent = paths.parentOf(ctx, parts, path);
      String name = parts[parts.length - 1];
      if (!exclusive && paths.lookup(ctx, parent.id(), name) != null) {
        return null;
      }
      requireAbsent(ctx, parent.id(), name, path);
      long id = newId(ctx);
      long now = clock.nowNanos();
      Inode inode =
          Inode.create(Inode.Kind.FILE, mode, caller.uid(), gid(parent.inode(), caller), now, null);
      return open.create(ctx, id, inode, parent.id(), name);
    } finally {
      ctx.namespace.unlock();
    }
  }

  /** Removes a name; unlinking a conflict copy resolves the conflict in favour of the winner. */
  void unlink(String path) throws IOException {
    String[] parts = PathResolver.split(path);
    if (parts.length < 2) {
      throw new FsException(parts.length == 0 ? Errno.EBUSY : Errno.EISDIR, path);
    }
    StoreContext ctx = root.store(parts[0]);
    ctx.namespace.lock();
    try {
      Resolved n = paths.resolveIn(ctx, parts, path);
      if (n.conflict() != null) {
        conflicts.resolve(ctx, n.conflict());
        return;
      }
      if (n.inode().kind() == Inode.Kind.DIRECTORY) {
        throw new FsException(Errno.EISDIR, path);
      }
      long now = clock.nowNanos();
      String key = Keys.dirent(n.parent(), n.name());
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
      dropLink(ctx, n.id(), n.inode(), now, ops);
      ops.add(inodes.touch(ctx, n.parent(), now));
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
  void rename(String from, String to) throws IOException {
    String[] a = PathResolver.split(from);
    String[] b = PathResolver.split(to);
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
    StoreContext ctx = root.store(a[0]);
    lockWithNamesCommitted(ctx, a, b);
    try {
      Resolved src = paths.resolveIn(ctx, a, from);
      if (src.conflict() != null) {
        throw new FsException(Errno.EROFS, from + " is a conflict copy");
      }
      Resolved dstParent = paths.parentOf(ctx, b, to);
      String dstName = b[b.length - 1];
      Resolved dst = paths.lookup(ctx, dstParent.id(), dstName);
      long now = clock.nowNanos();
      List<Op> ops = new ArrayList<>();
      boolean srcDir = src.inode().kind() == Inode.Kind.DIRECTORY;
      int dstSubdirs = 0;
      if (dst != null) {
        if (dst.id() == src.id()) {
          return;
        }
        if (dst.conflict() != null) {
          throw new FsException(Errno.EROFS, to + " is a conflict copy");
        }
        boolean dstDir = dst.inode().kind() == Inode.Kind.DIRECTORY;
        if (srcDir && !dstDir) {
          throw new FsException(Errno.ENOTDIR, to);
        }
        if (!srcDir && dstDir) {
          throw new FsException(Errno.EISDIR, to);
        }
        if (dstDir) {
          ctx.requireEmpty(dst.id(), to);
          ops.add(new Op.Delete(Keys.inode(dst.id())));
          dstSubdirs--;
        } else {
          dropLink(ctx, dst.id(), dst.inode(), now, ops);
        }
      }
      boolean moves = dstParent.id() != src.parent();
      ops.add(new Op.Delete(Keys.dirent(src.parent(), src.name())));
      ops.add(Inodes.direntPut(dstParent.id(), dstName, src.id()));
      if (moves) {
        ops.add(inodes.touch(ctx, src.parent(), now, srcDir ? -1 : 0));
        ops.add(inodes.touch(ctx, dstParent.id(), now, dstSubdirs + (srcDir ? 1 : 0)));
      } else {
        ops.add(inodes.touch(ctx, src.parent(), now, dstSubdirs));
      }
      // The renamed inode's ctime changes, as on Linux's local filesystems (with the open state).
      updates.updateLocked(
          ctx, src.id(), src.inode(), i -> i.withTimes(i.atimeNanos(), i.mtimeNanos(), now), ops);
    } finally {
      ctx.namespace.unlock();
    }
  }

  void symlink(String target, String linkPath, Caller caller) throws IOException {
    if (KeyBytes.encodedLength(target) > Inode.MAX_TARGET) {
      throw new FsException(
          Errno.ENAMETOOLONG, "symlink target over " + Inode.MAX_TARGET + " bytes");
    }
    if (target.isEmpty()) {
      throw new FsException(Errno.ENOENT, "empty symlink target");
    }
    addInStore(
        linkPath,
        Errno.EACCES,
        "symlinks",
        (now, parent) ->
            Inode.create(Inode.Kind.SYMLINK, 0777, caller.uid(), gid(parent, caller), now, target));
  }

  /** A hard link: a second dirent for the same inode ({@code nlink} counts them). */
  void link(String existing, String newPath) throws IOException {
    String[] a = PathResolver.split(existing);
    String[] b = PathResolver.split(newPath);
    if (a.length < 2 || b.length < 2) {
      throw new FsException(Errno.EPERM, "cannot link stores");
    }
    if (!a[0].equals(b[0])) {
      throw new FsException(Errno.EXDEV, "hard links stay inside one store");
    }
    StoreContext ctx = root.store(a[0]);
    lockWithNamesCommitted(ctx, a);
    try {
      Resolved src = paths.resolveIn(ctx, a, existing);
      if (src.conflict() != null) {
        throw new FsException(Errno.EROFS, existing + " is a conflict copy");
      }
      if (src.inode().kind() == Inode.Kind.DIRECTORY) {
        throw new FsException(Errno.EPERM, "no hard links to directories");
      }
      Resolved parent = paths.parentOf(ctx, b, newPath);
      String name = b[b.length - 1];
      requireAbsent(ctx, parent.id(), name, newPath);
      long now = clock.nowNanos();
      List<Op> ops = new ArrayList<>();
      ops.add(Inodes.direntPut(parent.id(), name, src.id()));
      ops.add(inodes.touch(ctx, parent.id(), now));
      updates.updateLocked(ctx, src.id(), src.inode(), i -> i.withNlink(i.nlink() + 1, now), ops);
    } finally {
      ctx.namespace.unlock();
    }
  }

  /** Makes a new inode, given the time and the parent directory's inode. */
  private interface Maker {
    Inode make(long now, Inode parent);
  }

  /**
   * Adds the inode {@code make} returns under the name {@code parts} names: its inode, its dirent
   * and the parent's new times (and, for a directory, {@code subdirs} 1: its link count) in one log
   * entry.
   */
  private void add(String[] parts, String path, int subdirs, Maker make) throws IOException {
    StoreContext ctx = root.store(parts[0]);
    ctx.namespace.lock();
    try {
      Resolved parent = paths.parentOf(ctx, parts, path);
      String name = parts[parts.length - 1];
      requireAbsent(ctx, parent.id(), name, path);
      long now = clock.nowNanos();
      long id = newId(ctx);
      ctx.commit(
          List.of(
              Inodes.put(id, make.make(now, parent.inode())),
              Inodes.direntPut(parent.id(), name, id),
              inodes.touch(ctx, parent.id(), now, subdirs)));
    } finally {
      ctx.namespace.unlock();
    }
  }

  /**
   * Adds what {@code make} returns under {@code path}, which must be inside a store ({@code
   * atRoot}, saying that {@code what} live inside a store, otherwise).
   */
  private void addInStore(String path, Errno atRoot, String what, Maker make) throws IOException {
    String[] parts = PathResolver.split(path);
    if (parts.length < 2) {
      throw new FsException(atRoot, what + " live inside a store");
    }
    add(parts, path, 0, make);
  }

  /**
   * The group of a new inode: the parent directory's if it has the set-group-ID bit (BSD semantics,
   * which Linux keeps for such directories), else the caller's.
   */
  private static int gid(Inode parent, Caller caller) {
    return (parent.mode() & SET_GID) != 0 ? parent.gid() : caller.gid();
  }

  /**
   * Takes {@code ctx}'s namespace lock once none of {@code parts} names a file created here and not
   * committed yet: such a file is committed first, outside the lock (its commit takes the lock
   * after the file's data lock), and the check repeats under the lock. The caller unlocks.
   */
  private void lockWithNamesCommitted(StoreContext ctx, String[]... parts) throws IOException {
    while (true) {
      ctx.namespace.lock();
      OpenFile unflushed;
      try {
        unflushed = unflushedAmong(ctx, parts);
      } catch (IOException | RuntimeException e) {
        ctx.namespace.unlock();
        throw e;
      }
      if (unflushed == null) {
        return;
      }
      ctx.namespace.unlock();
      open.commit(unflushed);
    }
  }

  /** An uncommitted create named by one of {@code paths}, or null. Caller holds the lock. */
  private OpenFile unflushedAmong(StoreContext ctx, String[][] paths) throws IOException {
    for (String[] parts : paths) {
      Resolved parent;
      try {
        parent = this.paths.parentOf(ctx, parts, "/" + String.join("/", parts));
      } catch (FsException e) {
        continue; // the operation itself reports the missing parent
      }
      OpenFile of = ctx.pending.get(Keys.dirent(parent.id(), parts[parts.length - 1]));
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

  /** EEXIST if {@code name} is taken in {@code parent} (also by a conflict copy). */
  private void requireAbsent(StoreContext ctx, long parent, String name, String path)
      throws IOException {
    PathResolver.checkName(name);
    String key = Keys.dirent(parent, name);
    if (ctx.pending.containsKey(key) || ctx.store.get(key).isPresent()) {
      throw new FsException(Errno.EEXIST, path);
    }
    if (conflicts.find(ctx, parent, name) != null) {
      throw new FsException(Errno.EEXIST, path);
    }
  }

  /** Removes one link to {@code id}; the inode goes when the last one does. Caller holds lock. */
  private void dropLink(StoreContext ctx, long id, Inode inode, long now, List<Op> ops) {
    OpenFile of = open.get(ctx, id);
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
    ops.add(Inodes.put(id, next));
    if (of != null) {
      synchronized (of) {
        of.committed = next;
      }
    }
  }

  /**
   * A fresh inode id for {@code ctx}: random, below 2^63 (so the inode number the kernel sees, see
   * {@link StoreContext#ino}, is unique within the store), neither 0 nor the root, and not the id
   * that an inode from an older build (any 64 bits) differs from only in the top bit: the two would
   * share an inode number. (Two random 63-bit ids meeting is left to chance, as before.)
   */
  long newId(StoreContext ctx) throws IOException {
    while (true) {
      long id = random.nextLong() & Long.MAX_VALUE;
      if (id != 0 && id != Keys.ROOT && ctx.store.get(Keys.inode(id | Long.MIN_VALUE)).isEmpty()) {
        return id;
      }
    }
  }
}
