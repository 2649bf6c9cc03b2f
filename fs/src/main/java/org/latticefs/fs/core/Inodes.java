package org.latticefs.fs.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.inode.CorruptInodeException;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.Op;

/**
 * Reads a store's inodes and dirents and makes the ops that write them: the one place that turns kv
 * values into {@link Inode}s and child ids (a value that does not decode is EIO, never data).
 *
 * <p>A store's root directory reads as an empty directory owned by this process until its first
 * commit (a store created elsewhere may arrive before its root inode does).
 */
final class Inodes {
  private final int ownUid;
  private final int ownGid;
  private final DirLinks links = new DirLinks(this);

  /**
   * @param ownUid the owner of store roots not yet committed and of the mount root
   */
  Inodes(int ownUid, int ownGid) {
    this.ownUid = ownUid;
    this.ownGid = ownGid;
  }

  /** Inodes owned by this process (uid and gid of the JVM, 0 if unknown). */
  static Inodes ofThisProcess() {
    try {
      Object unix =
          Class.forName("com.sun.security.auth.module.UnixSystem").getConstructor().newInstance();
      long uid = (long) unix.getClass().getMethod("getUid").invoke(unix);
      long gid = (long) unix.getClass().getMethod("getGid").invoke(unix);
      return new Inodes((int) uid, (int) gid);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return new Inodes(0, 0);
    }
  }

  int ownUid() {
    return ownUid;
  }

  int ownGid() {
    return ownGid;
  }

  /** Directories' link counts. */
  DirLinks links() {
    return links;
  }

  /** A new root directory for a store. */
  Inode newRoot(long nowNanos) {
    return Inode.create(Inode.Kind.DIRECTORY, 0755, ownUid, ownGid, nowNanos, null);
  }

  /** The stored inode {@code id}; ENOENT if it is gone, EIO if it does not decode. */
  Inode get(StoreContext ctx, long id) throws IOException {
    Optional<byte[]> v = ctx.store.get(Keys.inode(id));
    if (v.isEmpty()) {
      if (id == Keys.ROOT) {
        return Inode.create(Inode.Kind.DIRECTORY, 0755, ownUid, ownGid, 0, null);
      }
      throw new FsException(Errno.ENOENT, "inode " + Keys.id(id) + " is gone");
    }
    return decode(ctx, v.get(), id);
  }

  /** Inode {@code id} of {@code ctx} from its stored value; EIO naming both if it is corrupt. */
  static Inode decode(StoreContext ctx, byte[] value, long id) throws FsException {
    try {
      return Inode.decode(value);
    } catch (CorruptInodeException e) {
      throw new FsException(
          Errno.EIO,
          "store " + ctx.name + ": inode " + Keys.id(id) + " is corrupt: " + e.getMessage(),
          e);
    }
  }

  /** The child id the dirent {@code key} of {@code ctx} holds; EIO naming it if it is corrupt. */
  static long parseChild(StoreContext ctx, String key, byte[] value) throws FsException {
    try {
      return Keys.parseId(new String(value, StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new FsException(
          Errno.EIO,
          "store " + ctx.name + ": dirent " + key + " is corrupt: its value is not an inode id",
          e);
    }
  }

  static Op put(long id, Inode inode) {
    return new Op.Put(Keys.inode(id), inode.encode());
  }

  static Op direntPut(long parent, String name, long child) {
    return new Op.Put(
        Keys.dirent(parent, name), Keys.id(child).getBytes(StandardCharsets.US_ASCII));
  }

  /** The op that sets directory {@code dir}'s mtime and ctime to {@code now}. */
  Op touch(StoreContext ctx, long dir, long now) throws IOException {
    return touch(ctx, dir, now, 0);
  }

  /**
   * The op that sets directory {@code dir}'s mtime and ctime to {@code now} and changes its count
   * of subdirectories by {@code subdirs} (its link count, settled first: see {@link DirLinks}).
   */
  Op touch(StoreContext ctx, long dir, long now, int subdirs) throws IOException {
    Inode d = links.read(ctx, dir);
    Inode next = d.withTimes(d.atimeNanos(), now, now);
    if (subdirs != 0) {
      next = next.withNlink(Math.max(2, d.nlink() + subdirs), now);
    }
    return put(dir, next);
  }
}
