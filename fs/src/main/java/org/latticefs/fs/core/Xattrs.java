package org.latticefs.fs.core;

import java.io.IOException;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.core.PathResolver.Resolved;
import org.latticefs.fs.inode.Inode;

/**
 * Extended attributes, kept in the inode (so they replicate with it and a file's content commits
 * keep them): get, list, set with {@code XATTR_CREATE}/{@code XATTR_REPLACE}, remove, within
 * Linux's limits.
 *
 * <p>File capabilities ({@value #FILE_CAPABILITIES}) are not kept: a replicated store should not
 * grant privileges to executables on every node that mounts it. The kernel asks for this attribute
 * before every write to a file; the answer (ENODATA) then needs no lookup.
 */
final class Xattrs {
  static final String FILE_CAPABILITIES = "security.capability";
  private static final int XATTR_CREATE = 1;
  private static final int XATTR_REPLACE = 2;

  private final PathResolver paths;
  private final InodeUpdates updates;
  private final NanoClock clock;

  Xattrs(PathResolver paths, InodeUpdates updates, NanoClock clock) {
    this.paths = paths;
    this.updates = updates;
    this.clock = clock;
  }

  /** The value of xattr {@code name}; ENODATA if it is not set. */
  byte[] get(String path, String name) throws IOException {
    if (name.equals(FILE_CAPABILITIES)) {
      throw new FsException(Errno.ENODATA, name + " is never set here");
    }
    Resolved n = paths.resolve(path);
    if (n.inode() == null) {
      throw new FsException(Errno.ENODATA, name);
    }
    byte[] v = n.inode().xattrs().get(name);
    if (v == null) {
      throw new FsException(Errno.ENODATA, name + " on " + path);
    }
    return v.clone();
  }

  /** The names of all xattrs, in ascending order. */
  List<String> list(String path) throws IOException {
    Resolved n = paths.resolve(path);
    return n.inode() == null ? List.of() : List.copyOf(n.inode().xattrs().keySet());
  }

  /**
   * Sets xattr {@code name}. {@code flags}: 0, XATTR_CREATE (1, EEXIST if set) or XATTR_REPLACE (2,
   * ENODATA if not set). Names empty or over 255 bytes (counted as the kernel's bytes): ERANGE;
   * values over 64 KiB: E2BIG; more than 128 KiB of xattrs on one inode: ENOSPC. {@value
   * #FILE_CAPABILITIES}: ENOTSUP.
   */
  void set(String path, String name, byte[] value, int flags) throws IOException {
    if (name.equals(FILE_CAPABILITIES)) {
      throw new FsException(Errno.ENOTSUP, "file capabilities are not kept on a Lattice store");
    }
    String bad = Inode.invalidXattrName(name);
    if (bad != null) {
      throw new FsException(Errno.ERANGE, bad);
    }
    if (value.length > Inode.MAX_XATTR_VALUE) {
      throw new FsException(Errno.E2BIG, "xattr value over 64 KiB");
    }
    long now = clock.nowNanos();
    updates.update(
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

  void remove(String path, String name) throws IOException {
    long now = clock.nowNanos();
    updates.update(
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
}
