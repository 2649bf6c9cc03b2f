package org.latticefs.fs.inode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.latticefs.kv.Head;

/**
 * Decodes the inodes a key's heads hold, deletions left out, for walks over a store's state ({@link
 * InodeRoots}, {@link InodeSubtrees}): an undecodable head is an {@link IOException} naming the
 * inode, never skipped.
 */
final class LiveInodes {
  private LiveInodes() {}

  /**
   * The inodes of {@code heads} that are not deletions, in their order.
   *
   * @param which names the inode in the error (e.g. "inode 5 of store 'docs'"), built only then
   * @throws IOException if a head does not decode as an inode
   */
  static List<Inode> of(List<Head> heads, Supplier<String> which) throws IOException {
    List<Inode> out = new ArrayList<>(heads.size());
    for (Head h : heads) {
      if (h.isDeletion()) {
        continue;
      }
      try {
        out.add(Inode.decode(h.value()));
      } catch (CorruptInodeException e) {
        throw new IOException(which.get() + " is unreadable", e);
      }
    }
    return out;
  }
}
