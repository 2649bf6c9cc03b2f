package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Outboard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The saved outboards of range-read blobs, {@code outboards/{hh}/{hash}.ob}: what lets random reads
 * after a restart read only the 16 KiB groups they touch.
 *
 * <p>A saved outboard is only a cache. It is checked against its ref (and its blob file's size)
 * when loaded, and a damaged, torn or mismatched one is deleted and reported as absent, so the next
 * read computes it again. It is not synced. Failing to save is logged and costs nothing else.
 * Thread-safe: two saves of one outboard write it once.
 */
final class OutboardFiles {
  private static final Logger LOG = LoggerFactory.getLogger(OutboardFiles.class);
  private static final String SUFFIX = ".ob";

  private final Path dir;
  private final SpaceBudget budget;
  private final AtomicLong loads = new AtomicLong();
  private final AtomicLong saves = new AtomicLong();
  private final ReentrantLock[] locks = new ReentrantLock[256];

  OutboardFiles(Path dir, SpaceBudget budget) {
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new ReentrantLock();
    }
    this.dir = dir;
    this.budget = budget;
  }

  Path path(BlobRef ref) {
    String hex = ref.hex();
    return dir.resolve(hex.substring(0, 2)).resolve(hex + SUFFIX);
  }

  /**
   * The saved outboard of {@code ref}, whose blob file is {@code blobFile}; null if none is saved,
   * the blob file is gone, or the saved one is unusable (then it is deleted).
   */
  Outboard load(BlobRef ref, Path blobFile) {
    Path path = path(ref);
    byte[] encoded;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Outboard.MAX_ENCODED_SIZE) {
        throw new IllegalArgumentException("saved outboard of " + size + " bytes is too large");
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      while (b.hasRemaining() && ch.read(b) >= 0) {
        // until the whole file is read
      }
      encoded = b.array();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | IllegalArgumentException e) {
      LOG.debug("cannot read the saved outboard of {}: {}", ref, e.toString());
      delete(ref);
      return null;
    }
    Outboard o;
    try {
      o = Outboard.decode(ref, encoded);
      // The ref pins the group CVs, not the exact size within the last group: take that from the
      // blob file (whose bytes the groups then verify).
      long fileSize = Files.size(blobFile);
      if (o.size() != fileSize) {
        throw new IllegalArgumentException(
            "it describes " + o.size() + " bytes, the blob file holds " + fileSize);
      }
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | IllegalArgumentException e) {
      // A crash while saving it, or damage: it is only a cache, computed again on the next read.
      LOG.debug("dropping the saved outboard of {}: {}", ref, e.toString());
      delete(ref);
      return null;
    }
    loads.incrementAndGet();
    return o;
  }

  /**
   * Saves {@code o} unless it is saved already, or it does not fit in the store's {@link
   * SpaceBudget} (saved outboards count toward the quota and the disk's minimum free space).
   */
  void save(Outboard o) {
    Path path = path(o.ref());
    if (Files.exists(path)) {
      return;
    }
    ReentrantLock lock = lock(StoreDirectory.shardIndex(o.ref()));
    lock.lock();
    try {
      saveLocked(o, path);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The lock held while a saved outboard of {@code shard} is created or deleted and counted, so a
   * census checkpoint sees the files and the counts agree (see {@link Census}).
   */
  ReentrantLock lock(int shard) {
    return locks[shard];
  }

  private void saveLocked(Outboard o, Path path) {
    byte[] encoded = o.encode();
    try {
      // Only a cache: never worth a collection pass (nor waiting for one on a read).
      budget.reserveWithoutReclaim(encoded.length);
    } catch (IOException e) {
      LOG.debug("not saving the outboard of {}: {}", o.ref(), e.getMessage());
      return;
    }
    try {
      try {
        write(path, encoded);
      } catch (NoSuchFileException e) {
        StoreDirectory.privateDirectory(path.getParent());
        write(path, encoded);
      }
      budget.written(encoded.length);
      budget.savedOutboard(StoreDirectory.shardIndex(o.ref()), encoded.length);
      saves.incrementAndGet();
    } catch (FileAlreadyExistsException e) {
      // Being saved by a concurrent read.
      budget.cancel(encoded.length);
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not save the outboard of {}: {}", o.ref(), e.toString());
      budget.cancel(encoded.length);
    }
  }

  /** Creates {@code path} with {@code encoded}; a failed write deletes it. */
  private static void write(Path path, byte[] encoded) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            path,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            StoreDirectory.FILE_ATTRIBUTE)) {
      try {
        TempFiles.writeFully(ch, ByteBuffer.wrap(encoded));
      } catch (IOException | RuntimeException e) {
        TempFiles.deleteQuietly(path);
        throw e;
      }
    }
  }

  /** Deletes the saved outboard of {@code ref}, if any (its blob is gone, or it is unusable). */
  void delete(BlobRef ref) {
    Path path = path(ref);
    int shard = StoreDirectory.shardIndex(ref);
    ReentrantLock lock = lock(shard);
    lock.lock();
    try {
      long size = Files.size(path);
      if (Files.deleteIfExists(path)) {
        budget.deletedOutboard(shard, size);
      }
    } catch (NoSuchFileException e) {
      // Never saved.
    } catch (IOException e) {
      LOG.warn("could not delete the saved outboard {}: {}", path, e.toString());
    } finally {
      lock.unlock();
    }
  }

  /** Outboards loaded from disk so far. */
  long loads() {
    return loads.get();
  }

  /** Outboards saved so far. */
  long saves() {
    return saves.get();
  }
}
