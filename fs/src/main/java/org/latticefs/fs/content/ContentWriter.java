package org.latticefs.fs.content;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The content of one open file since its last commit, on its way to cas: takes the writer's bytes,
 * serves reads of the whole current content, and turns it into a stored {@link Version} when the
 * file is committed. Every byte written through the mount reaches cas through one of these, in one
 * direction: the writer hands bytes down (staged, then a read-only view at {@link #store}; or
 * pushed to a background ingest as they arrive) and gets a manifest back.
 *
 * <p>Implementations: {@link StagedWriter} (writes kept at their offsets, stored at commit) and
 * {@link StreamingWriter} (long in-order runs streamed to cas while they are written, falling back
 * to the staged writer it wraps for everything else). {@link FileContents#writer} picks.
 *
 * <h2>Threads</h2>
 *
 * Not thread-safe: the owner guards each writer with a read-write lock. {@link #write}, {@link
 * #truncate}, {@link #store}, {@link #committed} and {@link #close} need it exclusively; {@link
 * #read} may share it with other reads when {@link #readShared} says so, and otherwise needs it
 * exclusively. {@link #size()}, {@link #changed()} and {@link #storedBytes()} may be called without
 * it.
 *
 * <h2>Durability</h2>
 *
 * Nothing a writer holds survives a crash: only a version returned by {@link #store} and then
 * committed in the log does. A failure that loses bytes the writer alone held (a background ingest
 * that took them, then failed) fails every later read, write and store with the same errno, and the
 * file keeps its committed version.
 */
public interface ContentWriter {
  /**
   * The largest file size, in bytes: 16 TiB less 4 KiB, ext4's limit (with 4 KiB blocks), so that a
   * sparse staging file on the data directory's disk can hold a write anywhere below it. A write or
   * truncate past it fails with {@code EFBIG} (as on ext4) and changes nothing.
   */
  long MAX_SIZE = (1L << 44) - 4096;

  /** The current size, including bytes not stored yet. */
  long size();

  /** Whether anything was written or truncated since the last commit. */
  boolean changed();

  /**
   * About how many bytes of the current content are data rather than holes (what {@code stat} shows
   * as its blocks while the file is open with changes): the base's stored bytes plus what was
   * written since, at most the size. May be called without the lock.
   */
  long storedBytes();

  /**
   * Whether a read of {@code [pos, pos + n)} may run under the shared lock. False when the bytes
   * are held by a background ingest: the read must then take the lock exclusively (it first turns
   * them into a stored checkpoint).
   */
  boolean readShared(long pos, int n);

  /** Reads at {@code pos} into {@code dst}; returns the count, 0 at or past the end. */
  int read(long pos, ByteBuffer dst) throws IOException;

  /** Writes all of {@code src} at {@code pos} (a write past the end leaves a hole of zeros). */
  void write(long pos, ByteBuffer src) throws IOException;

  /** Cuts or extends the content to {@code size} bytes (extended bytes read as zeros). */
  void truncate(long size) throws IOException;

  /**
   * Stores the current content as a new version, durable in cas on return, and returns it; null if
   * the content is the committed version. The writer keeps its content either way: if committing
   * the version fails, a later {@code store} returns it (or a newer one) again.
   */
  Version store() throws IOException;

  /**
   * The version {@code now} (from {@link #store}, or the current committed one) was committed: it
   * becomes the base and the writer starts over, empty. Never fails: a staging file that cannot be
   * emptied only takes space (and is logged).
   */
  void committed(Version now);

  /** Abandons what is not stored and releases the staging file. */
  void close() throws IOException;

  /**
   * When the content cannot be stored (a last commit that failed on a full disk): moves the staging
   * file into {@code dir} as {@code stem + ".staged"} instead of deleting it, spilling in-memory
   * bytes to it first, and says how to read it. Only a rename on the staging disk when the bytes
   * are already in a file. Close the writer afterwards.
   *
   * @return the kept file and its description; a null file when no byte was staged
   * @throws IOException if the file cannot be written or moved (the bytes are then lost)
   */
  Kept keep(Path dir, String stem) throws IOException;

  /**
   * What {@link #keep} kept.
   *
   * @param file the staging file: the bytes written since the base version, at their own offsets (a
   *     sparse file); null if there were none
   * @param description which ranges of it are meaningful and where the rest of the content is
   */
  record Kept(Path file, String description) {}
}
