package org.latticefs.fs;

/**
 * Filesystem capacity as {@code statfs} shows it, in blocks of {@code blockSize} bytes.
 *
 * <p>{@code df} shows "Used" as {@code totalBlocks - freeBlocks} and "Avail" as {@code
 * availableBlocks}: {@code freeBlocks} counts what Lattice does not hold of the total, {@code
 * availableBlocks} what may still be written (less, when the disk or its reserve is the limit).
 * {@code df -i} shows {@code files} as the inode total and {@code freeFiles} as those free.
 */
public record FsStats(
    long blockSize,
    long totalBlocks,
    long freeBlocks,
    long availableBlocks,
    long files,
    long freeFiles) {}
