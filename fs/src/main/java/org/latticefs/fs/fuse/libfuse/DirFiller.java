package org.latticefs.fs.fuse.libfuse;

/**
 * Receives the entries of a directory listing ({@code readdir}), names as bytes.
 *
 * <h2>Offsets</h2>
 *
 * libfuse2 supports two ways of listing, and one listing must use only one of them:
 *
 * <ul>
 *   <li><b>Paged</b>: every entry carries a non-zero {@code nextOffset}, the value the next {@code
 *       readdir} call receives as {@code offset} to continue after this entry. The filesystem adds
 *       entries until {@code add} returns false (the kernel's buffer is full), then returns 0; an
 *       empty page (nothing added) ends the listing. Memory stays flat in the directory's size.
 *   <li><b>Whole</b>: every entry carries {@code nextOffset} 0; the filesystem adds all entries in
 *       the first call and libfuse keeps them for the open directory handle.
 * </ul>
 *
 * <h2>Names</h2>
 *
 * A name is any byte string of 1 to 1,024 bytes (the FUSE protocol's limit) without NUL or {@code
 * /}, including {@code .} and {@code ..} which the filesystem adds itself if it wants them listed.
 *
 * <p>Not thread-safe, and valid only during the {@code readdir} call that received it.
 */
public interface DirFiller {
  /** The longest name the FUSE protocol carries in a directory entry. */
  int MAX_NAME = 1024;

  /**
   * Adds an entry whose inode number and type the kernel does not learn from the listing.
   *
   * @return false if the reply is full: this entry was not added
   * @throws IllegalArgumentException if {@code name} is not a valid name (see the class comment)
   */
  boolean add(byte[] name, long nextOffset);

  /**
   * Adds an entry with its inode number (reaches the caller with the {@code use_ino} option) and
   * type (the {@code S_IFMT} bits of {@code mode}: {@code ls} and {@code find} read it as {@code
   * d_type} instead of a {@code stat} per entry).
   *
   * @return false if the reply is full: this entry was not added
   * @throws IllegalArgumentException if {@code name} is not a valid name (see the class comment)
   */
  boolean add(byte[] name, long ino, int mode, long nextOffset);
}
