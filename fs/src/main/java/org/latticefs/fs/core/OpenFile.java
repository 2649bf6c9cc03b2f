package org.latticefs.fs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.latticefs.fs.content.ContentWriter;
import org.latticefs.fs.content.Version;
import org.latticefs.fs.inode.Inode;

/**
 * The open state of one file on this node, shared by every handle open on it, so reads through one
 * descriptor see writes through another as on a local disk: its {@link ContentWriter} (what was
 * written since the last commit) and its metadata (the committed inode, whether it is a create not
 * committed yet, whether it was unlinked, how many handles hold it).
 *
 * <h2>Locking</h2>
 *
 * {@link #data} guards the content: reads share it (unless the writer needs it exclusively, see
 * {@link ContentWriter#readShared}); writes, truncation and commits take it exclusively. The
 * metadata fields are guarded by the object's monitor, taken briefly, always after {@code data} and
 * after the store's namespace lock.
 */
final class OpenFile {
  final StoreContext store;
  final long id;
  final ReentrantReadWriteLock data = new ReentrantReadWriteLock();

  // Guarded by data.
  private final ContentWriter content;

  private volatile long mtimeNanos;

  /**
   * Where the file was last opened or created on this node: the directory, the name and the path,
   * so that content its last commit could not store is kept beside it ({@link UnsavedFiles}).
   */
  record Where(long parent, String name, String path) {}

  volatile Where where;

  /** The failure of the last commit attempt, null after one that succeeded (or none yet). */
  volatile Throwable commitFailure;

  /**
   * The first write or truncate that failed since the last commit (no room, an I/O error), or null:
   * no version with changes after it is committed under the file's name (see {@link
   * OpenFiles#commit}); they are saved beside it when the file closes.
   */
  volatile Throwable failedChange;

  /** Notes that a change of the content failed (see {@link #failedChange}). */
  void changeFailed(Throwable e) {
    if (failedChange == null) {
      failedChange = e;
    }
  }

  // Guarded by this.
  Inode committed;
  boolean pending;
  long pendingParent;
  String pendingName;
  boolean unlinked;
  int handles;

  OpenFile(StoreContext store, long id, Inode committed, ContentWriter content) {
    this.store = store;
    this.id = id;
    this.committed = committed;
    this.mtimeNanos = committed.mtimeNanos();
    this.content = content;
  }

  /** The content version an inode holds. */
  static Version version(Inode i) {
    return new Version(i.size(), i.manifest(), i.inline());
  }

  /** The live view for stat; {@code changed}: the size and mtime are the writer's. */
  record Live(Inode meta, long size, long mtimeNanos, boolean changed) {}

  synchronized Live live() {
    Inode c = committed;
    return content.changed()
        ? new Live(c, content.size(), mtimeNanos, true)
        : new Live(c, c.size(), c.mtimeNanos(), false);
  }

  /** See {@link ContentWriter#storedBytes}; no lock needed. */
  long storedBytes() {
    return content.storedBytes();
  }

  /** Sets the modification time shown while changed and committed with the content. */
  void setMtime(long nanos) {
    mtimeNanos = nanos;
  }

  long mtimeNanos() {
    return mtimeNanos;
  }

  /** Whether the content changed since the last commit. */
  boolean changed() {
    return content.changed();
  }

  long size() {
    return content.size();
  }

  /** Reads at {@code pos} into {@code dst}; returns the count, 0 at or past the end. */
  int read(long pos, ByteBuffer dst) throws IOException {
    data.readLock().lock();
    try {
      if (content.readShared(pos, dst.remaining())) {
        return content.read(pos, dst);
      }
    } finally {
      data.readLock().unlock();
    }
    data.writeLock().lock();
    try {
      return content.read(pos, dst);
    } finally {
      data.writeLock().unlock();
    }
  }

  /** Writes all of {@code src} at {@code pos}; returns the count. */
  int write(long pos, ByteBuffer src, long nowNanos) throws IOException {
    data.writeLock().lock();
    try {
      int n = src.remaining();
      content.write(pos, src);
      mtimeNanos = nowNanos;
      return n;
    } catch (IOException | RuntimeException e) {
      changeFailed(e);
      throw e;
    } finally {
      data.writeLock().unlock();
    }
  }

  void truncate(long newSize, long nowNanos) throws IOException {
    data.writeLock().lock();
    try {
      content.truncate(newSize);
      mtimeNanos = nowNanos;
    } catch (IOException | RuntimeException e) {
      changeFailed(e);
      throw e;
    } finally {
      data.writeLock().unlock();
    }
  }

  /**
   * Stores the content as a new version (durable in cas) and returns it; null if it is the
   * committed one. Caller holds {@code data.writeLock()}.
   */
  Version storeContent() throws IOException {
    return content.store();
  }

  /** After the commit of {@code now}: its content becomes the base. Caller holds the data lock. */
  void committedContent(Inode now) {
    content.committed(version(now));
  }

  /**
   * Moves what the writer holds that is not stored into {@code dir} (see {@link
   * ContentWriter#keep}). Caller holds {@code data.writeLock()}.
   */
  ContentWriter.Kept keepContent(java.nio.file.Path dir, String stem) throws IOException {
    return content.keep(dir, stem);
  }

  /** Releases the staging file (and drops what was not committed). */
  void close() throws IOException {
    data.writeLock().lock();
    try {
      content.close();
    } finally {
      data.writeLock().unlock();
    }
  }
}
