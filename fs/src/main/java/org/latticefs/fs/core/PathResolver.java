package org.latticefs.fs.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.core.ConflictCopies.ConflictCopy;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.KeyBytes;

/**
 * Resolves paths relative to the mount root ({@code /store/dir/name}) to what they name, walking
 * dirents from the store's root: a committed file or directory (with its open state on this node,
 * if any), a file created here whose first commit is pending, or a conflict copy. Reads only; never
 * waits for a namespace lock (callers that change the tree take it first).
 */
final class PathResolver {
  /** The longest name, in bytes. */
  static final int NAME_MAX = 255;

  private final StoreRoot root;
  private final Inodes inodes;
  private final OpenFiles open;
  private final ConflictCopies conflicts;

  PathResolver(StoreRoot root, Inodes inodes, OpenFiles open, ConflictCopies conflicts) {
    this.root = root;
    this.inodes = inodes;
    this.open = open;
    this.conflicts = conflicts;
  }

  /**
   * A resolved path. {@code ctx} null: the mount root. {@code parent} -1: a store's root. {@code
   * open}: the file's open state here, if any; {@code conflict}: set when the path names a conflict
   * copy (then {@code inode} is the losing version).
   */
  record Resolved(
      StoreContext ctx,
      long parent,
      String name,
      long id,
      Inode inode,
      OpenFile open,
      ConflictCopy conflict) {}

  /**
   * The components of an absolute path ({@code .} and empty ones dropped); EINVAL on {@code ..},
   * ENAMETOOLONG on a component over {@value #NAME_MAX} bytes (whatever the operation: a lookup, a
   * create, either side of a rename or link).
   */
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
      checkName(p);
      parts.add(p);
    }
    return parts.toArray(String[]::new);
  }

  /** ENAMETOOLONG for a name over {@value #NAME_MAX} bytes (counted as the kernel's bytes). */
  static void checkName(String name) throws FsException {
    if (name.length() > NAME_MAX / 3 && KeyBytes.encodedLength(name) > NAME_MAX) {
      throw new FsException(
          Errno.ENAMETOOLONG,
          "a name is at most " + NAME_MAX + " bytes: " + name.substring(0, 32) + "...");
    }
  }

  /** What {@code path} names; ENOENT or ENOTDIR if nothing. */
  Resolved resolve(String path) throws IOException {
    String[] parts = split(path);
    if (parts.length == 0) {
      return new Resolved(null, -1, null, 0, null, null, null);
    }
    return resolveIn(root.store(parts[0]), parts, path);
  }

  /** What {@code parts} (the split {@code path}, store first) names inside {@code ctx}. */
  Resolved resolveIn(StoreContext ctx, String[] parts, String path) throws IOException {
    long id = Keys.ROOT;
    Resolved n = new Resolved(ctx, -1, null, id, inodes.get(ctx, id), null, null);
    for (int i = 1; i < parts.length; i++) {
      if (n.conflict() != null || n.inode().kind() != Inode.Kind.DIRECTORY) {
        throw new FsException(Errno.ENOTDIR, path);
      }
      n = lookup(ctx, n.id(), parts[i]);
      if (n == null) {
        throw new FsException(Errno.ENOENT, path);
      }
    }
    return n;
  }

  /** The directory holding the last of {@code parts}; ENOTDIR if it is not one. */
  Resolved parentOf(StoreContext ctx, String[] parts, String path) throws IOException {
    Resolved parent = resolveIn(ctx, Arrays.copyOf(parts, parts.length - 1), path);
    if (parent.conflict() != null || parent.inode().kind() != Inode.Kind.DIRECTORY) {
      throw new FsException(Errno.ENOTDIR, path);
    }
    return parent;
  }

  /**
   * The inode dirent {@code key} names. If it is gone, ENOENT when the dirent went too (an unlink
   * between the two reads), else EIO: a dirent naming no inode is damage, and is logged as such.
   */
  private Inode inodeOf(StoreContext ctx, String key, long id) throws IOException {
    try {
      return inodes.get(ctx, id);
    } catch (FsException e) {
      if (e.errno() != Errno.ENOENT) {
        throw e;
      }
      Optional<byte[]> again = ctx.store.get(key);
      if (again.isPresent() && Inodes.parseChild(ctx, key, again.get()) == id) {
        throw new FsException(
            Errno.EIO,
            "store "
                + ctx.name
                + ": dirent "
                + key
                + " names inode "
                + Keys.id(id)
                + ", which"
                + " does not exist",
            e);
      }
      throw e;
    }
  }

  /** What {@code name} in directory {@code parent} is, or null if nothing. */
  Resolved lookup(StoreContext ctx, long parent, String name) throws IOException {
    String key = Keys.dirent(parent, name);
    OpenFile pending = ctx.pending.get(key);
    if (pending != null) {
      synchronized (pending) {
        if (pending.pending) {
          return new Resolved(ctx, parent, name, pending.id, pending.committed, pending, null);
        }
      }
    }
    Optional<byte[]> child = ctx.store.get(key);
    if (child.isPresent()) {
      long id = Inodes.parseChild(ctx, key, child.get());
      OpenFile of = open.get(ctx, id);
      Inode inode;
      if (of != null) {
        synchronized (of) {
          inode = of.committed;
        }
      } else {
        inode = inodeOf(ctx, key, id);
      }
      return new Resolved(ctx, parent, name, id, inode, of, null);
    }
    ConflictCopy c = conflicts.find(ctx, parent, name);
    return c == null ? null : new Resolved(ctx, parent, name, c.id(), c.inode(), null, c);
  }
}
