package org.latticefs.fs;

/**
 * What one store holds, as the last inode census counted it (see {@code
 * LatticeFileSystem#storeUsage}).
 *
 * @param inodes its files, folders, links and special files ({@code df -i} counts these)
 * @param files of those, regular files
 * @param fileBytes the sum of the regular files' sizes (logical bytes, before dedup; holes count)
 * @param unreadable inodes whose record could not be decoded (counted in {@code inodes} only)
 */
public record StoreUsage(long inodes, long files, long fileBytes, long unreadable) {}
