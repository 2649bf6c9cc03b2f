package org.latticefs.fs;

import java.util.List;
import java.util.UUID;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;

/**
 * What {@code lattice-fs stat PATH} shows about a path inside a store.
 *
 * @param path the path relative to the mount root ({@code /photos/cat.jpg})
 * @param inode the committed inode (an open file's unflushed writes are not in it)
 * @param openHere whether the file is open on this node
 * @param conflictCopy whether the path names a losing concurrent version
 * @param chunks the file's chunks (empty for directories, symlinks, inline and empty files)
 */
public record PathInfo(
    String path,
    String storeName,
    UUID storeId,
    long inodeId,
    Inode inode,
    boolean openHere,
    boolean conflictCopy,
    List<Chunk> chunks) {
  /** The inode's key in its store ({@code /inodes/{id}}). */
  public String inodeKey() {
    return Keys.inode(inodeId);
  }
}
