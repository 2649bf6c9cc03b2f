package org.latticefs.fs;

/** Filesystem capacity as {@code statfs} shows it, in blocks of {@code blockSize} bytes. */
public record FsStats(long blockSize, long totalBlocks, long freeBlocks, long files, long ffree) {}
