package org.latticefs.fs;

import org.latticefs.fs.inode.Inode;

/**
 * What {@code stat} shows for a path.
 *
 * @param ino the inode number shown to the kernel (unique within the mount)
 * @param kind file, directory or symlink
 * @param mode permission bits only
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
    long ctimeNanos) {}
