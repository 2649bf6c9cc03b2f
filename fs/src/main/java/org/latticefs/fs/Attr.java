package org.latticefs.fs;

import org.latticefs.fs.inode.Inode;

/**
 * What {@code stat} shows for a path.
 *
 * @param ino the inode number shown to the kernel: unique within the mount, below 2^63
 * @param kind file, directory, symlink or special file
 * @param mode permission bits only
 * @param nlink hard links; for a directory 2 plus its subdirectories
 * @param size bytes of a file, of a symlink's target; a block for a directory; 0 for special files
 * @param rdev a device node's number ({@code makedev(major, minor)}), else 0
 * @param storedBytes what the content takes in storage: a file's bytes less its holes (what {@code
 *     du} and {@code st_blocks} count; a sparse file of 1 TiB with a few writes stores a few KiB)
 */
public record Attr(
    long ino,
    Inode.Kind kind,
    int mode,
    int uid,
    int gid,
    int nlink,
    long size,
    long atimeNanos,
    long mtimeNanos,
    long ctimeNanos,
    long rdev,
    long storedBytes) {
  /** {@code st_blocks}: {@link #storedBytes} in 512-byte units, rounded up. */
  public long blocks() {
    return (storedBytes + 511) / 512;
  }
}
