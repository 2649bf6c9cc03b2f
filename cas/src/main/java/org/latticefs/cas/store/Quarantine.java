package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.latticefs.cas.BlobRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves blob files found corrupt out of readers' way into {@code quarantine/} (kept, never read
 * again, never deleted until a good copy is stored), remembers their refs, and tells the {@link
 * CorruptionListener}s.
 *
 * <p>The refs survive a restart: they are the contents of {@code quarantine/}, read at open. A good
 * copy stored under the ref ({@link #repaired}) deletes the quarantined copies. Thread-safe.
 */
final class Quarantine {
  private static final Logger LOG = LoggerFactory.getLogger(Quarantine.class);

  private final StoreDirectory dir;
  private final BlobHandles handles;
  private final SpaceBudget budget;
  private final AccessTracker access;
  private final Set<BlobRef> corrupt = ConcurrentHashMap.newKeySet();
  private final List<CorruptionListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean movedAny;

  /** Shards where damage was found: their counts may not match the files (see {@link Census}). */
  private final boolean[] suspect = new boolean[256];

  Quarantine(StoreDirectory dir, BlobHandles handles, SpaceBudget budget, AccessTracker access) {
    this.dir = dir;
    this.handles = handles;
    this.budget = budget;
    this.access = access;
  }

  /**
   * Moves {@code ref}'s blob file to {@code quarantine/} if it is still the file that was found bad
   * ({@code found}; null: whatever file is there), then reports it. Does nothing if the file is
   * gone or was replaced meanwhile.
   */
  void quarantine(BlobRef ref, BlobFileStat found, String detail) throws IOException {
    Path path = dir.blobPath(ref);
    Path dest;
    ReentrantLock lock = dir.shardLock(ref);
    lock.lock();
    try {
      BlobFileStat now;
      try {
        now = BlobFileStat.of(path);
      } catch (NoSuchFileException e) {
        return;
      }
      if (found != null && !found.sameFile(now)) {
        return;
      }
      dest = dir.quarantine().resolve(ref.hex() + StoreDirectory.SUFFIX);
      if (Files.exists(dest)) {
        dest =
            dir.quarantine().resolve(ref.hex() + "." + System.nanoTime() + StoreDirectory.SUFFIX);
      }
      Files.move(path, dest, StandardCopyOption.ATOMIC_MOVE);
      handles.invalidate(path);
      Fsync.directory(dir.quarantine());
      Fsync.directory(path.getParent());
      budget.removed(StoreDirectory.shardIndex(ref), now.size());
      movedAny = true;
      synchronized (suspect) {
        suspect[StoreDirectory.shardIndex(ref)] = true;
      }
      corrupt.add(ref);
    } finally {
      lock.unlock();
    }
    access.forget(ref);
    LOG.error("corrupt blob {} ({}): moved to {}", ref, detail, dest);
    for (CorruptionListener l : listeners) {
      try {
        l.corruptBlobFound(ref, dest, detail);
      } catch (RuntimeException e) {
        LOG.warn("corruption listener failed for {}", ref, e);
      }
    }
  }

  /**
   * A good copy of {@code ref} was just given its name (under its shard lock): forgets the ref and
   * deletes its quarantined copies.
   */
  void repaired(BlobRef ref) {
    if (corrupt.remove(ref)) {
      deleteCopies(ref);
    }
  }

  /**
   * Whether a file was moved here since the store opened. Its size was subtracted from the store's
   * counts as found, which may differ from what was counted for it (a truncated file): a store that
   * moved any counts its blobs again at its next open.
   */
  /** The shards where damage was found since the store opened (a copy). */
  boolean[] suspectShards() {
    synchronized (suspect) {
      return suspect.clone();
    }
  }

  boolean movedAny() {
    return movedAny;
  }

  /** Refs found corrupt and not yet repaired: a snapshot. */
  Set<BlobRef> refs() {
    return Set.copyOf(corrupt);
  }

  void addListener(CorruptionListener listener) {
    listeners.add(Objects.requireNonNull(listener));
  }

  void removeListener(CorruptionListener listener) {
    listeners.remove(listener);
  }

  /**
   * Reads {@code quarantine/} at open: a ref with a good copy in place is repaired (its copies
   * deleted), the others are remembered as corrupt.
   */
  void scan() throws IOException {
    Set<String> seen = new HashSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.quarantine())) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.length() < 64 || !seen.add(name.substring(0, 64))) {
          continue;
        }
        try {
          BlobRef ref = BlobRef.parse(name.substring(0, 64));
          if (Files.exists(dir.blobPath(ref))) {
            deleteCopies(ref);
          } else {
            corrupt.add(ref);
          }
        } catch (IllegalArgumentException e) {
          LOG.warn("ignoring stray file {} in quarantine", p);
        }
      }
    }
  }

  private void deleteCopies(BlobRef ref) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.quarantine(), ref.hex() + "*")) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("could not delete quarantined copies of repaired blob {}", ref, e);
    }
  }
}
