package org.latticefs.fs.core;

import java.io.IOException;
import org.latticefs.fs.Attr;
import org.latticefs.fs.Owners;
import org.latticefs.fs.core.PathResolver.Resolved;
import org.latticefs.fs.inode.Inode;

/**
 * What {@code stat} shows: the committed inode, or for a file open here with changes, its live size
 * and modification time; the mount root as a directory owned by this process whose times move when
 * stores come and go; conflict copies read-only, with inode numbers of their own; owners as the
 * configured {@link Owners} say.
 */
final class Attributes {
  /** Mixed into a conflict copy's inode number, so it differs from the winner's. */
  private static final long CONFLICT_INO = 0x5bd1e995L;

  private final StoreRoot root;
  private final Inodes inodes;
  private final OpenFiles open;
  private final Owners owners;

  Attributes(StoreRoot root, Inodes inodes, OpenFiles open, Owners owners) {
    this.root = root;
    this.inodes = inodes;
    this.open = open;
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
          1,
          0,
          t,
          t,
          t);
    }
    if (n.conflict() != null) {
      Inode i = n.conflict().inode();
      return new Attr(
          n.ctx().ino(n.id()) ^ CONFLICT_INO,
          i.kind(),
          i.mode() & 0555,
          owners.uidFor(i.uid()),
          owners.gidFor(i.gid()),
          1,
          i.size(),
          i.atimeNanos(),
          i.mtimeNanos(),
          i.ctimeNanos());
    }
    OpenFile of = n.open() != null ? n.open() : open.get(n.ctx(), n.id());
    return of != null ? of(of) : of(n.ctx(), n.id(), n.inode(), n.inode().size(), null);
  }

  /** The attributes of an open file (also after its last name was unlinked). */
  Attr of(OpenFile of) throws IOException {
    OpenFile.Live live = of.live();
    return of(of.store, of.id, live.meta(), live.size(), live.mtimeNanos());
  }

  private Attr of(StoreContext ctx, long id, Inode meta, long size, Long mtimeNanos) {
    long mtime = mtimeNanos != null ? mtimeNanos : meta.mtimeNanos();
    int nlink = meta.kind() == Inode.Kind.DIRECTORY ? 1 : meta.nlink();
    return new Attr(
        ctx.ino(id),
        meta.kind(),
        meta.mode(),
        owners.uidFor(meta.uid()),
        owners.gidFor(meta.gid()),
        nlink,
        size,
        meta.atimeNanos(),
        mtime,
        Math.max(meta.ctimeNanos(), mtime));
  }
}
