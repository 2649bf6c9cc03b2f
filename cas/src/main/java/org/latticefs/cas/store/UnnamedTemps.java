package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches' blobs written to files that have no name yet ({@code O_TMPFILE} in {@code tmp/}), held
 * open (one descriptor each, at most a fixed number per store) until a commit links them to their
 * names. Creating one searches and changes no directory, so a writer never waits for a shard
 * directory's blocks while a {@code syncfs} writes them out; and a killed process leaves nothing
 * behind (the kernel frees them; after a power loss, the file system's orphan recovery does, or
 * fsck on ext4 without a journal).
 *
 * <p>{@link #write} returns null when no permit or descriptor is free, or when the file system
 * turns out to have no unnamed files (then it stops trying): the caller writes a named temp file
 * instead. Thread-safe.
 */
final class UnnamedTemps {
  private static final Logger LOG = LoggerFactory.getLogger(UnnamedTemps.class);

  private final Path dir;
  private final SpaceBudget budget;

  /** Null when unnamed files are off (turned off, or not supported here). */
  private volatile Semaphore permits;

  /** Unnamed files held open now, by any batch: closed by {@link #discardAll()} at the latest. */
  private final Set<Unnamed> held = ConcurrentHashMap.newKeySet();

  /**
   * @param dir where they are created ({@code tmp/})
   * @param max how many may be held at once; 0 turns them off
   * @param budget where the files' sizes are reserved (by the caller) and released
   */
  UnnamedTemps(Path dir, int max, SpaceBudget budget) {
    this.dir = dir;
    this.budget = budget;
    this.permits = max > 0 && unnamedFilesWork(dir) ? new Semaphore(max) : null;
  }

  /** Whether unnamed files are in use. */
  boolean enabled() {
    return permits != null;
  }

  /**
   * Writes {@code data[off, off+len)}, whose size the caller has reserved, to a new unnamed file,
   * not synced; null if none can be had now (see the class doc).
   */
  Temp write(byte[] data, int off, int len) throws IOException {
    Semaphore p = permits;
    if (p == null || !p.tryAcquire()) {
      return null;
    }
    int fd;
    try {
      fd = Fsync.writeUnnamed(dir, data, off, len);
    } catch (IOException | RuntimeException e) {
      p.release();
      throw e;
    }
    if (fd >= 0) {
      Unnamed t = new Unnamed(fd, p, len);
      held.add(t);
      return t;
    }
    p.release();
    if (fd == Fsync.UNNAMED_UNSUPPORTED) {
      permits = null;
      LOG.info("{} has no unnamed files (O_TMPFILE): batches write named temp files", dir);
    }
    // Else no descriptor was free.
    return null;
  }

  /** Unnamed files held open now. */
  int held() {
    return held.size();
  }

  /**
   * Drops every unnamed file still held (the store is closing): a batch still open loses its
   * unwritten blobs, as it would in a crash, but does not keep their descriptors and disk space
   * until the process exits.
   */
  void discardAll() {
    for (Unnamed t : held) {
      t.discard();
    }
  }

  /**
   * Whether batches can write unnamed files in {@code dir}: one is created, named and deleted there
   * (so a file system without {@code O_TMPFILE}, or where they cannot be linked, is found out now
   * and not at a commit).
   */
  private static boolean unnamedFilesWork(Path dir) {
    if (!Fsync.hasUnnamed()) {
      return false;
    }
    Path probe =
        dir.resolve(
            "probe."
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong())
                + StoreDirectory.TEMP_SUFFIX);
    try {
      // Empty, so that a full disk does not look like a file system without unnamed files.
      int fd = Fsync.writeUnnamed(dir, new byte[0], 0, 0);
      if (fd < 0) {
        LOG.info(
            "{} has no unnamed files (O_TMPFILE) or no descriptor is free: batches write named"
                + " temp files",
            dir);
        return false;
      }
      try {
        Fsync.link(fd, probe);
      } finally {
        Fsync.close(fd);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.info("unnamed files do not work in {} ({}): batches write named temp files", dir, e);
      return false;
    } finally {
      TempFiles.deleteQuietly(probe);
    }
  }

  /**
   * A file without a name, held open (one permit) until it is named or dropped. The kernel frees it
   * when it is closed without a name, also after a crash.
   */
  private final class Unnamed extends Temp {
    private final int fd;
    private final Semaphore permit;

    // Guarded by this.
    private boolean open = true;
    private boolean named;

    Unnamed(int fd, Semaphore permit, long size) {
      super(size, budget);
      this.fd = fd;
      this.permit = permit;
    }

    /** Never called: only syncfs batches write unnamed files, and they sync the file system. */
    @Override
    void sync() {
      throw new IllegalStateException("unnamed temp files are synced by syncfs");
    }

    // Synchronized with drop(): a descriptor closed by the store's close() while being linked
    // could be reused by another file, which would then get the blob's name.
    @Override
    synchronized void name(Path dst) throws IOException {
      if (named) {
        throw new NoSuchFileException(dst.toString(), null, "named by an earlier commit");
      }
      if (!open) {
        throw new IOException("the blob for " + dst + " was dropped before its commit");
      }
      named = Fsync.link(fd, dst);
      close();
      if (!named) {
        throw new FileAlreadyExistsException(dst.toString());
      }
    }

    @Override
    synchronized void drop() {
      if (open) {
        close();
      }
    }

    private void close() {
      open = false;
      Fsync.close(fd);
      permit.release();
      held.remove(this);
    }
  }
}
