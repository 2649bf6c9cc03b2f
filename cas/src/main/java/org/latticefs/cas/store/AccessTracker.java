package org.latticefs.cas.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import org.latticefs.cas.BlobEnumerator;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;

/**
 * When each blob was last used, tracked by Lattice itself so that least-recently-used eviction
 * works on disks mounted {@code noatime}.
 *
 * <h2>Cost</h2>
 *
 * A {@link #touch} is an update of a compact table ({@link AccessTable}: 12-byte slots keyed by the
 * ref's first 8 bytes, about 16 to 24 bytes per blob, off the Java heap for a disk store); it never
 * writes to disk. Times have a granularity of one second, and touching a blob twice in the same
 * second changes nothing. At 10 million blobs the table takes about 200 MB of memory-mapped pages
 * and nothing of the heap; loading and saving stream (no whole file is read into memory).
 *
 * <h2>For eviction</h2>
 *
 * {@link #oldestFirst} gives the least recently used blobs among those a {@link BlobEnumerator}
 * lists (cache eviction, issue 12 part 2). Access times are never what keeps a blob from the
 * garbage collector: holds are ({@link org.latticefs.cas.Hold}).
 *
 * <h2>Persistence</h2>
 *
 * Backed by a snapshot file and an append-only journal beside it ({@code <file>.log}), kept by
 * {@link AccessFiles} (formats, size limits, damage). {@link #flush()} appends the entries changed
 * since the previous flush to the journal and syncs it; {@link #close()} writes a fresh snapshot
 * atomically (temp file, sync, rename, directory sync) and empties the journal; opening replays the
 * journal over the snapshot and compacts both into a new snapshot. The owner calls {@code flush()}
 * periodically ({@link DiskBlobStore} does, every {@link
 * DiskBlobStore.Options#accessFlushInterval()}).
 *
 * <p><b>What survives a crash:</b> everything up to the last completed flush. Touches after it are
 * lost, so a blob may look as old as its previous flushed access, which only makes it a slightly
 * earlier eviction candidate. A torn journal tail is ignored. A snapshot that is unreadable
 * (truncated, bad checksum, wrong format) never prevents opening: it is logged, moved aside to
 * {@code <file>.corrupt-<millis>} and tracking starts empty (the store re-seeds every blob with its
 * file modification time).
 *
 * <p>Thread-safe. Out of scope: sharing one file between processes.
 */
public final class AccessTracker implements Closeable {
  /** Times are stored as seconds since this instant, in an int. */
  static final long EPOCH_SECOND = Instant.parse("2020-01-01T00:00:00Z").getEpochSecond();

  /** A blob and when it was last used. */
  public record Access(BlobRef ref, Instant lastAccess) {}

  private final AccessTable table;
  private final InstantSource clock;

  /** Null for an in-memory tracker. */
  private final AccessFiles files;

  private final Object ioLock = new Object();
  private boolean closed;
  private boolean loadedSnapshot;

  /** Set by any change not yet in the snapshot file; lets close skip rewriting it. */
  private volatile boolean changed;

  private AccessTracker(InstantSource clock, Path file) {
    this.table = new AccessTable(file == null ? null : file.getParent());
    this.clock = clock;
    this.files = file == null ? null : new AccessFiles(file, clock);
  }

  /** A tracker that keeps nothing on disk (tests, {@link MemoryBlobStore}). */
  public static AccessTracker inMemory(InstantSource clock) {
    return new AccessTracker(clock, null);
  }

  /**
   * Opens the tracker persisted at {@code file} (created on the first snapshot if absent), replays
   * and compacts its journal. A corrupt snapshot is logged and set aside; it never fails the open.
   *
   * @throws IOException only if the compacted snapshot cannot be written
   */
  public static AccessTracker open(Path file, InstantSource clock) throws IOException {
    AccessTracker t = new AccessTracker(clock, file);
    t.loadedSnapshot = t.files.load(t.table);
    t.changed = false;
    return t;
  }

  /** Records that {@code ref} is used now. */
  public void touch(BlobRef ref) {
    touch(ref, clock.instant());
  }

  /** Records a use of {@code ref} at {@code when}; an older time than the one recorded is kept. */
  public void touch(BlobRef ref, Instant when) {
    if (table.put(AccessTable.key(ref), encode(when), false, true)) {
      changed = true;
    }
  }

  /** Records {@code when} for {@code ref} only if nothing is recorded for it yet. */
  public void touchIfAbsent(BlobRef ref, Instant when) {
    if (table.put(AccessTable.key(ref), encode(when), true, true)) {
      changed = true;
    }
  }

  /** When {@code ref} was last used (to the second), empty if never recorded or forgotten. */
  public Optional<Instant> lastAccess(BlobRef ref) {
    int t = table.get(AccessTable.key(ref));
    return t == 0 ? Optional.empty() : Optional.of(decode(t));
  }

  /** Drops {@code ref} (its blob was removed). Persisted by the next flush. */
  public void forget(BlobRef ref) {
    if (table.remove(AccessTable.key(ref), true)) {
      changed = true;
    }
  }

  /** How many refs have a recorded access. */
  public int size() {
    return table.size();
  }

  /**
   * Up to {@code limit} of the blobs {@code blobs} lists, least recently used first (ties in ref
   * order); blobs with no recorded access are left out. Touches made while it runs may or may not
   * show. Streams the enumeration and keeps only the {@code limit} oldest (a bounded heap).
   */
  public List<Access> oldestFirst(BlobEnumerator blobs, int limit) throws IOException {
    if (limit <= 0) {
      return List.of();
    }
    Comparator<Access> order = Comparator.comparing(Access::lastAccess).thenComparing(Access::ref);
    PriorityQueue<Access> newestOnTop = new PriorityQueue<>(order.reversed());
    Optional<BlobRef> after = Optional.empty();
    while (true) {
      List<BlobInfo> page = blobs.enumerate(after, 1024);
      if (page.isEmpty()) {
        break;
      }
      for (BlobInfo b : page) {
        int t = table.get(AccessTable.key(b.ref()));
        if (t == 0) {
          continue;
        }
        Access a = new Access(b.ref(), decode(t));
        if (newestOnTop.size() < limit) {
          newestOnTop.add(a);
        } else if (order.compare(a, newestOnTop.peek()) < 0) {
          newestOnTop.poll();
          newestOnTop.add(a);
        }
      }
      after = Optional.of(page.get(page.size() - 1).ref());
    }
    List<Access> out = new ArrayList<>(newestOnTop);
    out.sort(order);
    return out;
  }

  /** Bytes of the table's slots (off the heap for a tracker opened on a file). */
  public long tableBytes() {
    return table.slotBytes();
  }

  /**
   * Whether opening found a complete record of earlier accesses (a readable snapshot); false for a
   * new, in-memory, lost or damaged one, whose owner should re-seed it ({@link #touchIfAbsent}).
   */
  boolean loadedSnapshot() {
    return loadedSnapshot;
  }

  /**
   * Appends every change since the previous flush to the journal and syncs it (and compacts it into
   * a new snapshot once it is large). A no-op for an in-memory tracker or when nothing changed.
   */
  public void flush() throws IOException {
    if (files == null) {
      return;
    }
    synchronized (ioLock) {
      if (!closed && files.appendJournal(table)) {
        writeSnapshot();
      }
    }
  }

  /** Writes a full snapshot atomically and empties the journal. */
  public void snapshot() throws IOException {
    if (files == null) {
      return;
    }
    synchronized (ioLock) {
      if (!closed) {
        writeSnapshot();
      }
    }
  }

  /** Writes a final snapshot. Idempotent; touches after close are kept in memory only. */
  @Override
  public void close() throws IOException {
    synchronized (ioLock) {
      if (closed || files == null) {
        closed = true;
        return;
      }
      try {
        if (changed || files.stale()) {
          writeSnapshot();
        }
      } finally {
        closed = true;
        table.close();
      }
    }
  }

  private void writeSnapshot() throws IOException {
    changed = false;
    files.writeSnapshot(table);
  }

  // ---- encoding ----

  private static int encode(Instant when) {
    long s = when.getEpochSecond() - EPOCH_SECOND;
    return (int) Math.max(1, Math.min(s, Integer.MAX_VALUE));
  }

  private static Instant decode(int t) {
    return Instant.ofEpochSecond(EPOCH_SECOND + t);
  }
}
