package org.latticefs.fs.core;

import java.io.IOException;
import org.latticefs.fs.Attr;
import org.latticefs.fs.content.FileContents;
import org.latticefs.fs.core.PathResolver.Resolved;
import org.latticefs.fs.inode.Inode;

/**
 * What {@code stat} shows: the committed inode, or for a file open here with changes, its live size
 * and modification time; the mount root as a directory owned by this process whose times move when
 * stores come and go; conflict copies read-only, with inode numbers of their own. A file's stored
 * bytes ({@code st_blocks}) leave its holes out.
 */
final class Attributes {
  /** Mixed into a conflict copy's inode number, so it differs from the winner's. */
  private static final long CONFLICT_INO = 0x5bd1e995L;

  private final StoreRoot root;
  private final Inodes inodes;
  private final OpenFiles open;
  private final FileContents contents;

  Attributes(StoreRoot root, Inodes inodes, OpenFiles open, FileContents contents) {
    this.root = root;
    this.inodes = inodes;
    this.open = open;
    this.contents = contents;
  }

  Attr of(Resolved n) throws IOException {
    if (n.ctx() == null) {
      long t = root.changedNanos();
      return new Attr(
          1, Inode.Kind.DIRECTORY, 0755, inodes.ownUid(), inodes.ownGid(), 1, 0, t, t, t, 0);
    }
    if (n.conflict() != null) {
      Inode i = n.conflict().inode();
      return new Attr(
          n.ctx().ino(n.id()) ^ CONFLICT_INO,
          i.kind(),
          i.mode() & 0555,
          i.uid(),
          i.gid(),
          1,
          i.size(),
          i.atimeNanos(),
          i.mtimeNanos(),
          i.ctimeNanos(),
          stored(i));
    }
    OpenFile of = n.open() != null ? n.open() : open.get(n.ctx(), n.id());
    return of != null
        ? of(of)
        : of(n.ctx(), n.id(), n.inode(), n.inode().size(), null, stored(n.inode()));
  }

  /** The attributes of an open file (also after its last name was unlinked). */
  Attr of(OpenFile of) throws IOException {
    OpenFile.Live live = of.live();
    long stored = live.changed() ? of.storedBytes() : stored(live.meta());
    return of(of.store, of.id, live.meta(), live.size(), live.mtimeNanos(), stored);
  }

  /** What a committed inode's content takes in storage: a file's data less its holes. */
  private long stored(Inode i) {
    return i.kind() == Inode.Kind.FILE ? contents.storedBytes(OpenFile.version(i)) : i.size();
  }

  private Attr of(
      StoreContext ctx, long id, Inode meta, long size, Long mtimeNanos, long storedBytes) {
    long mtime = mtimeNanos != null ? mtimeNanos : meta.mtimeNanos();
    int nlink = meta.kind() == Inode.Kind.DIRECTORY ? 1 : meta.nlink();
    return new Attr(
        ctx.ino(id),
        meta.kind(),
        meta.mode(),
        meta.uid(),
        meta.gid(),
        nlink,
        size,
        meta.atimeNanos(),
        mtime,
        Math.max(meta.ctimeNanos(), mtime),
        storedBytes);
  }
}
