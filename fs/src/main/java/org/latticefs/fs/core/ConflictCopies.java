package org.latticefs.fs.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.Head;
import org.latticefs.kv.Op;

/**
 * Finds the losing concurrent versions of a name (from another node) that are shown beside the
 * winner as read-only conflict copies, named by {@link ConflictNames}, and resolves a conflict when
 * its copy is unlinked. Stateless: everything comes from the store's heads.
 *
 * <p>A dirent with several heads shows every losing child; an inode with several heads shows every
 * losing version of a file (directories are merged by their dirents, so their losing inode versions
 * are not shown).
 */
final class ConflictCopies {
  /** A losing version shown beside the winner. {@code key} is where the heads disagree. */
  record ConflictCopy(String name, long id, Inode inode, String key) {}

  /** The losing versions of the dirent {@code parent/name} and of its winning inode. */
  List<ConflictCopy> of(StoreContext ctx, long parent, String name, long winnerChild)
      throws IOException {
    List<ConflictCopy> out = new ArrayList<>();
    Set<String> used = new HashSet<>();
    String direntKey = Keys.dirent(parent, name);
    List<Head> direntHeads = ctx.store.heads(direntKey);
    for (int i = 1; i < direntHeads.size(); i++) {
      Head h = direntHeads.get(i);
      if (h.isDeletion()) {
        continue;
      }
      long child = Inodes.parseChild(ctx, direntKey, h.value());
      if (child == winnerChild) {
        continue;
      }
      Optional<byte[]> v = ctx.store.get(Keys.inode(child));
      if (v.isEmpty()) {
        continue;
      }
      out.add(
          new ConflictCopy(
              uniqueName(name, h, used), child, Inodes.decode(ctx, v.get(), child), direntKey));
    }
    String inodeKey = Keys.inode(winnerChild);
    List<Head> inodeHeads = ctx.store.heads(inodeKey);
    for (int i = 1; i < inodeHeads.size(); i++) {
      Head h = inodeHeads.get(i);
      if (h.isDeletion()) {
        continue;
      }
      Inode loser = Inodes.decode(ctx, h.value(), winnerChild);
      if (loser.kind() == Inode.Kind.DIRECTORY) {
        continue;
      }
      out.add(new ConflictCopy(uniqueName(name, h, used), winnerChild, loser, inodeKey));
    }
    return out;
  }

  /** The conflict copy named {@code name} in directory {@code parent}, or null. */
  ConflictCopy find(StoreContext ctx, long parent, String name) throws IOException {
    Optional<String> original = ConflictNames.original(name);
    if (original.isEmpty()) {
      return null;
    }
    String key = Keys.dirent(parent, original.get());
    Optional<byte[]> winner = ctx.store.get(key);
    if (winner.isEmpty()) {
      return null;
    }
    for (ConflictCopy c :
        of(ctx, parent, original.get(), Inodes.parseChild(ctx, key, winner.get()))) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /** Keeps the winner: writing its value again supersedes every head this node sees. */
  void resolve(StoreContext ctx, ConflictCopy c) throws IOException {
    Optional<byte[]> winner = ctx.store.get(c.key());
    if (winner.isPresent()) {
      ctx.commit(List.of(new Op.Put(c.key(), winner.get())));
    } else {
      ctx.commit(List.of(new Op.Delete(c.key())));
    }
  }

  private static String uniqueName(String name, Head h, Set<String> used) {
    for (int dup = 1; ; dup++) {
      String candidate = ConflictNames.name(name, h.author(), h.hlc(), dup);
      if (used.add(candidate)) {
        return candidate;
      }
    }
  }
}
