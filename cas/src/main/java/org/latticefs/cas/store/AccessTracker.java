package org.latticefs.cas.store;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each blob was last used, tracked by Lattice itself so that least-recently-used eviction
 * works on disks mounted {@code noatime}.
 *
 * <h2>Cost</h2>
 *
 * A {@link #touch} is an in-memory update of a compact open-addressing table (50 to 100 bytes per
 * blob, no object per entry); it never writes to disk. Times have a granularity of one second, and
 * touching a blob twice in the same second changes nothing.
 *
 * <h2>For the garbage collector</h2>
 *
 * {@link #oldestFirst} gives eviction candidates. A store touches a blob whenever a receive finds
 * it already present (the ingest of a file that dedups against it), so a collector that spares
 * blobs used within a grace period never removes a blob an in-flight ingest is counting on.
 *
 * <h2>Persistence</h2>
 *
 * Backed by a snapshot file and an append-only journal beside it ({@code <file>.log}). {@link
 * #flush()} appends the entries changed since the previous flush to the journal and syncs it;
 * {@link #close()} writes a fresh snapshot atomically (temp file, sync, rename, directory sync) and
 * empties the journal; opening replays the journal over the snapshot and compacts both into a new
 * snapshot. The owner calls {@code flush()} periodically ({@link DiskBlobStore} does, every {@link
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
  private static final Logger LOG = LoggerFactory.getLogger(AccessTracker.class);

  /** Times are stored as seconds since this instant, in an int. */
  static final long EPOCH_SECOND = Instant.parse("2020-01-01T00:00:00Z").getEpochSecond();

  private static final byte[] SNAPSHOT_MAGIC = {'L', 'A', 'T', 'A', 'C', 'C', '0', '1'};
  private static final int ENTRY_BYTES = BlobRef.LENGTH + 4;
  private static final int SNAPSHOT_HEADER = SNAPSHOT_MAGIC.length;
  private static final int STRIPES = 64;
  private static final int DIRTY = 0x8000_0000;
  private static final long JOURNAL_COMPACT_BYTES = 16L << 20;

  /** Larger snapshot or journal files are rejected as corrupt (about 59 million blobs). */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 64;

  /** A blob and when it was last used. */
  public record Access(BlobRef ref, Instant lastAccess) {}

  private final Stripe[] stripes = new Stripe[STRIPES];
  private final InstantSource clock;
  private final Path file;
  private final Path journal;
  private final Object ioLock = new Object();
  private boolean closed;

  /** Set by any change not yet in the snapshot file; lets close skip rewriting it. */
  private volatile boolean changed;

  private AccessTracker(InstantSource clock, Path file) {
    this.clock = clock;
    this.file = file;
    this.journal = file == null ? null : file.resolveSibling(file.getFileName() + ".log");
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
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
    t.load();
    return t;
  }

  /** Records that {@code ref} is used now. */
  public void touch(BlobRef ref) {
    touch(ref, clock.instant());
  }

  /** Records a use of {@code ref} at {@code when}; an older time than the one recorded is kept. */
  public void touch(BlobRef ref, Instant when) {
    if (stripe(ref).put(ref, encode(when), false)) {
      changed = true;
    }
  }

  /** Records {@code when} for {@code ref} only if nothing is recorded for it yet. */
  public void touchIfAbsent(BlobRef ref, Instant when) {
    if (stripe(ref).put(ref, encode(when), true)) {
      changed = true;
    }
  }

  /** When {@code ref} was last used (to the second), empty if never recorded or forgotten. */
  public Optional<Instant> lastAccess(BlobRef ref) {
    int t = stripe(ref).get(ref);
    return t == 0 ? Optional.empty() : Optional.of(decode(t));
  }

  /** Drops {@code ref} (its blob was removed). Persisted by the next flush. */
  public void forget(BlobRef ref) {
    if (stripe(ref).remove(ref)) {
      changed = true;
    }
  }

  /** How many refs have a recorded access. */
  public int size() {
    int n = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        n += s.size;
      }
    }
    return n;
  }

  /**
   * Up to {@code limit} refs, least recently used first (ties in ref order). A consistent view of
   * each part of the table, not of the whole: touches made while it runs may or may not show. Costs
   * a sort of every tracked ref.
   */
  public List<Access> oldestFirst(int limit) {
    if (limit <= 0) {
      return List.of();
    }
    List<long[]> keyParts = new ArrayList<>();
    List<int[]> timeParts = new ArrayList<>();
    int total = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        long[] k = new long[s.size * 4];
        int[] t = new int[s.size];
        int n = 0;
        for (int i = 0; i < s.times.length; i++) {
          if (s.times[i] != 0) {
            System.arraycopy(s.keys, i * 4, k, n * 4, 4);
            t[n++] = s.times[i] & ~DIRTY;
          }
        }
        keyParts.add(k);
        timeParts.add(t);
        total += n;
      }
    }
    long[] keys = new long[total * 4];
    long[] order = new long[total];
    int n = 0;
    for (int p = 0; p < keyParts.size(); p++) {
      long[] k = keyParts.get(p);
      int[] t = timeParts.get(p);
      System.arraycopy(k, 0, keys, n * 4, k.length);
      for (int i = 0; i < t.length; i++) {
        order[n] = ((long) t[i] << 32) | n;
        n++;
      }
    }
    Arrays.sort(order);
    // Ties: the packed index follows stripe order, so sort each equal-time run by ref.
    List<Access> out = new ArrayList<>(Math.min(limit, total));
    int i = 0;
    while (i < total && out.size() < limit) {
      int t = (int) (order[i] >>> 32);
      int j = i;
      List<BlobRef> run = new ArrayList<>();
      while (j < total && (int) (order[j] >>> 32) == t) {
        run.add(refOf(keys, (int) order[j]));
        j++;
      }
      run.sort(null);
      Instant when = decode(t);
      for (BlobRef r : run) {
        if (out.size() == limit) {
          break;
        }
        out.add(new Access(r, when));
      }
      i = j;
    }
    return out;
  }

  /**
   * Appends every change since the previous flush to the journal and syncs it. A no-op for an
   * in-memory tracker or when nothing changed.
   */
  public void flush() throws IOException {
    if (file == null) {
      return;
    }
    synchronized (ioLock) {
      if (closed) {
        return;
      }
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int count = drainDirty(buf);
      if (count == 0) {
        return;
      }
      byte[] entries = buf.toByteArray();
      ByteBuffer frame = ByteBuffer.allocate(4 + entries.length + 4);
      frame.putInt(count).put(entries);
      CRC32C crc = new CRC32C();
      crc.update(frame.array(), 0, 4 + entries.length);
      frame.putInt((int) crc.getValue()).flip();
      try (FileChannel ch =
          FileChannel.open(
              journal,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND)) {
        while (frame.hasRemaining()) {
          ch.write(frame);
        }
        ch.force(false);
        if (ch.size() > JOURNAL_COMPACT_BYTES) {
          writeSnapshot();
        }
      }
    }
  }

  /** Writes a full snapshot atomically and empties the journal. */
  public void snapshot() throws IOException {
    if (file == null) {
      return;
    }
    synchronized (ioLock) {
      if (closed) {
        return;
      }
      writeSnapshot();
    }
  }

  /** Writes a final snapshot. Idempotent; touches after close are kept in memory only. */
  @Override
  public void close() throws IOException {
    synchronized (ioLock) {
      if (closed || file == null) {
        closed = true;
        return;
      }
      if (changed || Files.exists(journal) || !Files.exists(file)) {
        writeSnapshot();
      }
      closed = true;
    }
  }

  // ---- persistence ----

  private void writeSnapshot() throws IOException {
    // Clear the dirty marks first: everything is in the snapshot below.
    changed = false;
    drainDirty(null);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    CRC32C crc = new CRC32C();
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      buf.put(SNAPSHOT_MAGIC);
      for (Stripe s : stripes) {
        synchronized (s) {
          for (int i = 0; i < s.times.length; i++) {
            if (s.times[i] == 0) {
              continue;
            }
            if (buf.remaining() < ENTRY_BYTES) {
              writeOut(ch, buf, crc);
            }
            for (int w = 0; w < 4; w++) {
              buf.putLong(s.keys[i * 4 + w]);
            }
            buf.putInt(s.times[i] & ~DIRTY);
          }
        }
      }
      if (buf.remaining() < 4) {
        writeOut(ch, buf, crc);
      }
      writeOut(ch, buf, crc);
      buf.putInt((int) crc.getValue()).flip();
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Fsync.directory(file.getParent());
    Files.deleteIfExists(journal);
  }

  private static void writeOut(FileChannel ch, ByteBuffer buf, CRC32C crc) throws IOException {
    buf.flip();
    crc.update(buf.array(), 0, buf.limit());
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
    buf.clear();
  }

  /** Collects (and clears) dirty entries into {@code out} (if not null); returns how many. */
  private int drainDirty(ByteArrayOutputStream out) throws IOException {
    DataOutputStream d = out == null ? null : new DataOutputStream(out);
    int count = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        // Forgets first: a ref forgotten and then touched again is present after replay, and one
        // touched and then forgotten is no longer in the table, so it only appears here.
        for (int f = 0; f < s.forgotten.size(); f++) {
          if (d != null) {
            for (long w : s.forgotten.get(f)) {
              d.writeLong(w);
            }
            d.writeInt(0);
          }
          count++;
        }
        s.forgotten.clear();
        for (int i = 0; i < s.times.length; i++) {
          if ((s.times[i] & DIRTY) != 0) {
            s.times[i] &= ~DIRTY;
            if (d != null) {
              for (int w = 0; w < 4; w++) {
                d.writeLong(s.keys[i * 4 + w]);
              }
              d.writeInt(s.times[i]);
            }
            count++;
          }
        }
      }
    }
    return count;
  }

  private void load() throws IOException {
    Files.createDirectories(file.getParent());
    Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".tmp"));
    boolean compact = false;
    try {
      byte[] data = readLimited(file);
      readSnapshot(data);
    } catch (NoSuchFileException e) {
      // First open.
    } catch (IOException | RuntimeException e) {
      Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + clock.millis());
      LOG.warn(
          "access times in {} are unreadable ({}); starting fresh, moved it to {}",
          file,
          e.toString(),
          aside);
      clearAll();
      compact = true;
      try {
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException moveFailed) {
        LOG.warn("could not move {} aside: {}", file, moveFailed.toString());
      }
    }
    try {
      byte[] log = readLimited(journal);
      compact = true;
      replayJournal(log);
    } catch (NoSuchFileException e) {
      // Nothing flushed since the last snapshot.
    } catch (IOException e) {
      compact = true;
      LOG.warn("access journal {} is unreadable ({}); ignoring it", journal, e.toString());
    }
    if (compact) {
      writeSnapshot();
    }
    changed = false;
  }

  /** Reads a whole file, refusing one too large to be ours (it is then treated as corrupt). */
  private static byte[] readLimited(Path p) throws IOException {
    long size = Files.size(p);
    if (size > MAX_FILE_BYTES) {
      throw new IOException(p + " is " + size + " bytes, more than " + MAX_FILE_BYTES);
    }
    return Files.readAllBytes(p);
  }

  private void readSnapshot(byte[] data) throws IOException {
    if (data.length < SNAPSHOT_HEADER + 4
        || !Arrays.equals(data, 0, SNAPSHOT_MAGIC.length, SNAPSHOT_MAGIC, 0, 8)) {
      throw new IOException("not an access snapshot (" + data.length + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    int body = data.length - SNAPSHOT_HEADER - 4;
    if (body % ENTRY_BYTES != 0) {
      throw new IOException(
          "access snapshot length " + data.length + " is not a whole entry count");
    }
    int count = body / ENTRY_BYTES;
    CRC32C crc = new CRC32C();
    crc.update(data, 0, data.length - 4);
    if ((int) crc.getValue() != b.getInt(data.length - 4)) {
      throw new IOException("access snapshot checksum mismatch");
    }
    b.position(SNAPSHOT_HEADER);
    long[] k = new long[4];
    for (int i = 0; i < count; i++) {
      for (int w = 0; w < 4; w++) {
        k[w] = b.getLong();
      }
      int t = b.getInt();
      if (t <= 0) {
        throw new IOException("access snapshot has a bad time at entry " + i);
      }
      stripeOf(k).putKey(k, t, false, false);
    }
  }

  private void replayJournal(byte[] log) {
    ByteBuffer b = ByteBuffer.wrap(log);
    long[] k = new long[4];
    int frames = 0;
    while (b.remaining() >= 8) {
      int start = b.position();
      int count = b.getInt();
      long len = (long) count * ENTRY_BYTES;
      if (count <= 0 || len + 4 > b.remaining()) {
        break;
      }
      CRC32C crc = new CRC32C();
      crc.update(log, start, 4 + (int) len);
      if ((int) crc.getValue() != b.getInt(start + 4 + (int) len)) {
        break;
      }
      for (int i = 0; i < count; i++) {
        for (int w = 0; w < 4; w++) {
          k[w] = b.getLong();
        }
        int t = b.getInt();
        if (t == 0) {
          stripeOf(k).removeKey(k, false);
        } else if (t > 0) {
          stripeOf(k).putKey(k, t, false, false);
        }
      }
      b.getInt();
      frames++;
    }
    if (b.hasRemaining()) {
      LOG.info(
          "access journal {}: ignored a torn tail of {} bytes after {} frames",
          journal,
          b.remaining(),
          frames);
    }
  }

  private void clearAll() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
  }

  // ---- encoding ----

  private static int encode(Instant when) {
    long s = when.getEpochSecond() - EPOCH_SECOND;
    return (int) Math.max(1, Math.min(s, Integer.MAX_VALUE));
  }

  private static Instant decode(int t) {
    return Instant.ofEpochSecond(EPOCH_SECOND + (t & ~DIRTY));
  }

  private static long[] words(BlobRef ref) {
    ByteBuffer b = ByteBuffer.wrap(ref.bytes());
    return new long[] {b.getLong(), b.getLong(), b.getLong(), b.getLong()};
  }

  private static BlobRef refOf(long[] keys, int index) {
    ByteBuffer b = ByteBuffer.allocate(BlobRef.LENGTH);
    for (int w = 0; w < 4; w++) {
      b.putLong(keys[index * 4 + w]);
    }
    return new BlobRef(b.array());
  }

  private Stripe stripe(BlobRef ref) {
    return stripeOf(words(ref));
  }

  private Stripe stripeOf(long[] k) {
    return stripes[(int) (k[0] >>> 58)];
  }

  /**
   * Linear-probing table of (ref, time). times[i] == 0 marks an empty slot; the sign bit marks an
   * entry changed since the last flush.
   */
  private static final class Stripe {
    long[] keys = new long[16 * 4];
    int[] times = new int[16];
    int size;
    final List<long[]> forgotten = new ArrayList<>();

    synchronized boolean put(BlobRef ref, int t, boolean onlyIfAbsent) {
      return putKey(words(ref), t, onlyIfAbsent, true);
    }

    synchronized int get(BlobRef ref) {
      long[] k = words(ref);
      int i = find(k);
      return i < 0 ? 0 : times[i] & ~DIRTY;
    }

    synchronized boolean remove(BlobRef ref) {
      return removeKey(words(ref), true);
    }

    /** Returns whether anything changed. */
    synchronized boolean putKey(long[] k, int t, boolean onlyIfAbsent, boolean markDirty) {
      int i = find(k);
      if (i >= 0) {
        int old = times[i] & ~DIRTY;
        if (onlyIfAbsent || t <= old) {
          return false;
        }
        times[i] = markDirty ? (t | DIRTY) : (t | (times[i] & DIRTY));
        return true;
      }
      if ((size + 1) * 4 > times.length * 3) {
        grow();
      }
      int slot = home(k, times.length);
      while (times[slot] != 0) {
        slot = (slot + 1) & (times.length - 1);
      }
      System.arraycopy(k, 0, keys, slot * 4, 4);
      times[slot] = markDirty ? (t | DIRTY) : t;
      size++;
      return true;
    }

    /** Returns whether {@code k} was present. */
    synchronized boolean removeKey(long[] k, boolean journal) {
      int i = find(k);
      if (i < 0) {
        return false;
      }
      if (journal) {
        forgotten.add(k.clone());
      }
      int mask = times.length - 1;
      times[i] = 0;
      size--;
      int j = i;
      while (true) {
        j = (j + 1) & mask;
        if (times[j] == 0) {
          return true;
        }
        int h = home(keys, j, times.length);
        // Move j back into the hole at i unless its home lies cyclically in (i, j].
        boolean homeInRange = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (!homeInRange) {
          System.arraycopy(keys, j * 4, keys, i * 4, 4);
          times[i] = times[j];
          times[j] = 0;
          i = j;
        }
      }
    }

    private int find(long[] k) {
      int mask = times.length - 1;
      int slot = home(k, times.length);
      while (times[slot] != 0) {
        int b = slot * 4;
        if (keys[b] == k[0] && keys[b + 1] == k[1] && keys[b + 2] == k[2] && keys[b + 3] == k[3]) {
          return slot;
        }
        slot = (slot + 1) & mask;
      }
      return -1;
    }

    private void grow() {
      long[] oldKeys = keys;
      int[] oldTimes = times;
      keys = new long[oldKeys.length * 2];
      times = new int[oldTimes.length * 2];
      int mask = times.length - 1;
      long[] k = new long[4];
      for (int i = 0; i < oldTimes.length; i++) {
        if (oldTimes[i] != 0) {
          System.arraycopy(oldKeys, i * 4, k, 0, 4);
          int slot = home(k, times.length);
          while (times[slot] != 0) {
            slot = (slot + 1) & mask;
          }
          System.arraycopy(k, 0, keys, slot * 4, 4);
          times[slot] = oldTimes[i];
        }
      }
    }

    /** The refs are uniform hashes: their second word spreads well (the first picks the stripe). */
    private static int home(long[] k, int capacity) {
      return (int) (k[1] & (capacity - 1));
    }

    private static int home(long[] keys, int slot, int capacity) {
      return (int) (keys[slot * 4 + 1] & (capacity - 1));
    }
  }
}
