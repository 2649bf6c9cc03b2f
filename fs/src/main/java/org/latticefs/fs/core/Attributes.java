package org.latticefs.fs.core;

import java.io.IOException;
import org.latticefs.fs.Attr;
import org.latticefs.fs.Owners;
import org.latticefs.fs.content.FileContents;
import org.latticefs.fs.core.PathResolver.Resolved;
import org.latticefs.fs.inode.Inode;

/**
 * What {@code stat} shows: the committed inode, or for a file open here with changes, its live size
 * and modification time; the mount root as a directory owned by this process whose times move when
 * stores come and go; conflict copies read-only, with inode numbers of their own; owners as the
 * configured {@link Owners} say.
 *
 * <p>A directory's link count is 2 plus its subdirectories ({@link DirLinks}; the mount root's: 2
 * plus the stores) and its size one block ({@value #DIRECTORY_SIZE} bytes, as ext4 shows an empty
 * one), so tools that skip empty-looking directories do not. The atime is the later of the inode's
 * and this node's record of reads ({@link AccessTimes}). A file's stored bytes ({@code st_blocks})
 * leave its holes out.
 */
final class Attributes {
  /** Mixed into a conflict copy's inode number, so it differs from the winner's. */
  private static final long CONFLICT_INO = 0x5bd1e995L;

  /** What {@code stat} shows as a directory's size. */
  static final long DIRECTORY_SIZE = 4096;

  private final StoreRoot root;
  private final Inodes inodes;
  private final OpenFiles open;
  private final AccessTimes atimes;
  private final FileContents contents;
  private final Owners owners;

  Attributes(
      StoreRoot root,
      Inodes inodes,
      OpenFiles open,
      AccessTimes atimes,
      FileContents contents,
      Owners owners) {
    this.root = root;
    this.inodes = inodes;
    this.open = open;
    this.atimes = atimes;
    this.contents = contents;
    this.owners = owners;
  }

  Attr of(Resolved n) throws IOException {
    if (n.ctx() == null) {
      long t = root.changedNanos();
      return new Attr(
          1,
          Inode.Kind.DIRECTORY,
          0755,
          owners.uidFor(inodes.ownUid()),
          owners.gidFor(inodes.ownGid()),
          2 + root.list().size(),
          DIRECTORY_SIZE,
          t,
          t,
          t,
          0,
          DIRECTORY_SIZE);
    }
    if (n.conflict() != null) {
      Inode i = n.conflict().inode();
      return new Attr(
          n.ctx().ino(n.id()) ^ CONFLICT_INO,
          i.kind(),
          i.mode() & 0555,
          owners.uidFor(i.uid()),
          owners.gidFor(i.gid()),
          i.kind() == Inode.Kind.DIRECTORY ? 2 : 1,
          size(i, i.size()),
          i.atimeNanos(),
          i.mtimeNanos(),
          i.ctimeNanos(),
          i.rdev(),
          stored(i));
    }
    OpenFile of = n.open() != null ? n.open() : open.get(n.ctx(), n.id());
    if (of != null) {
      return of(of);
    }
    Inode i = inodes.links().settle(n.ctx(), n.id(), n.inode());
    return of(n.ctx(), n.id(), i, i.size(), null, stored(i));
  }

  /** The attributes of an open file (also after its last name was unlinked). */
  Attr of(OpenFile of) throws IOException {
    OpenFile.Live live = of.live();
    long stored = live.changed() ? of.storedBytes() : stored(live.meta());
    return of(of.store, of.id, live.meta(), live.size(), live.mtimeNanos(), stored);
  }

  /** What a committed inode's content takes in storage: a file's data less its holes. */
  private long stored(Inode i) {
    return switch (i.kind()) {
      case FILE -> contents.storedBytes(OpenFile.version(i));
      case DIRECTORY -> DIRECTORY_SIZE;
      default -> i.size();
    };
  }

  private Attr of(
      StoreContext ctx, long id, Inode meta, long size, Long mtimeNanos, long storedBytes) {
    long mtime = mtimeNanos != null ? mtimeNanos : meta.mtimeNanos();
    long ino = ctx.ino(id);
    return new Attr(
        ino,
        meta.kind(),
        meta.mode(),
        owners.uidFor(meta.uid()),
        owners.gidFor(meta.gid()),
        meta.nlink(),
        size(meta, size),
        atimes.atime(ino, meta.atimeNanos()),
        mtime,
        mtimeNanos != null ? Math.max(meta.ctimeNanos(), mtime) : meta.ctimeNanos(),
        meta.rdev(),
        storedBytes);
  }

  private static long size(Inode meta, long size) {
    return meta.kind() == Inode.Kind.DIRECTORY ? DIRECTORY_SIZE : size;
  }
}
