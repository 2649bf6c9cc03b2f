package org.latticefs.fs.core;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.fs.FsException;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.Head;
import org.latticefs.kv.KeyValue;

/**
 * A directory's link count: 2 (its name and its {@code .}) plus one per subdirectory (each one's
 * {@code ..}), as {@code find} and backup tools expect.
 *
 * <h2>How it is kept</h2>
 *
 * The count lives in the directory's inode ({@link Inode#nlink()}) and is maintained by the same
 * log entries that change it: {@code mkdir}, {@code rmdir} and a rename that moves or replaces a
 * directory rewrite the parent's inode anyway (its times), and carry the new count with it. Every
 * change to a directory's entries rewrites that directory's inode in the same entry, so the count
 * in an inode with a single head covers every entry change in that head's past.
 *
 * <h2>When it is derived instead</h2>
 *
 * The stored count is not trusted when the inode has concurrent heads (entries from two nodes that
 * did not see each other: each counted only its own changes) or holds less than 2 (written by a
 * build before this rule, or a store root that has not arrived yet). Then the count is derived from
 * the state: the directory's dirents are listed and each child's kind is read. A derived count is
 * cached per directory and inode heads (at most {@value #CACHE} directories), so a large directory
 * is scanned once per change, not per {@code stat}; and the next change of the directory writes the
 * derived count, which makes it trusted again. Conflict copies shown beside a name are not counted.
 *
 * <p>Thread-safe.
 */
final class DirLinks {
  private static final int CACHE = 1024;
  private static final int PAGE = 512;

  /** A derived count, valid while the directory's inode has exactly these heads. */
  private record Derived(List<BlobRef> heads, int nlink) {}

  private record DirKey(UUID store, long id) {}

  private final Inodes inodes;
  private final Map<DirKey, Derived> derived =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<DirKey, Derived> eldest) {
          return size() > CACHE;
        }
      };

  DirLinks(Inodes inodes) {
    this.inodes = inodes;
  }

  /**
   * Directory {@code id} as stored, its link count settled: the stored count if it is trusted, else
   * the derived one (see the class comment). ENOENT if it is gone.
   */
  Inode read(StoreContext ctx, long id) throws IOException {
    List<Head> heads = ctx.store.heads(Keys.inode(id));
    Optional<byte[]> winner =
        heads.isEmpty() || heads.get(0).isDeletion()
            ? Optional.empty()
            : Optional.of(heads.get(0).value());
    Inode dir = winner.isPresent() ? Inodes.decode(ctx, winner.get(), id) : inodes.get(ctx, id);
    return settle(ctx, id, dir, heads);
  }

  /** {@code dir} (directory {@code id}'s inode as the caller read it) with its count settled. */
  Inode settle(StoreContext ctx, long id, Inode dir) throws IOException {
    if (dir.kind() != Inode.Kind.DIRECTORY) {
      return dir;
    }
    return settle(ctx, id, dir, ctx.store.heads(Keys.inode(id)));
  }

  private Inode settle(StoreContext ctx, long id, Inode dir, List<Head> heads) throws IOException {
    if (dir.kind() != Inode.Kind.DIRECTORY || (heads.size() == 1 && dir.nlink() >= 2)) {
      return dir;
    }
    List<BlobRef> ids = heads.stream().map(Head::entry).toList();
    DirKey key = new DirKey(ctx.id, id);
    Derived d;
    synchronized (derived) {
      d = derived.get(key);
    }
    if (d == null || !d.heads().equals(ids)) {
      d = new Derived(ids, 2 + countSubdirectories(ctx, id));
      synchronized (derived) {
        derived.put(key, d);
      }
    }
    return dir.nlink() == d.nlink() ? dir : dir.withNlink(d.nlink(), dir.ctimeNanos());
  }

  /** Subdirectories among directory {@code id}'s committed entries. */
  private int countSubdirectories(StoreContext ctx, long id) throws IOException {
    String prefix = Keys.direntPrefix(id);
    int count = 0;
    String after = null;
    while (true) {
      List<KeyValue> page = ctx.store.list(prefix, after, PAGE);
      for (KeyValue kv : page) {
        after = kv.key();
        try {
          if (inodes.get(ctx, Inodes.parseChild(ctx, kv.key(), kv.value())).kind()
              == Inode.Kind.DIRECTORY) {
            count++;
          }
        } catch (FsException gone) {
          // A dirent whose inode is missing or unreadable names no directory.
        }
      }
      if (page.size() < PAGE) {
        return count;
      }
    }
  }
}
