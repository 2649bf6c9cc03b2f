package org.latticefs.cas.store;

import java.io.IOException;
import java.io.InputStream;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobReceiver;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.Hold;
import org.latticefs.cas.hash.Blake3;

/**
 * Blobs in a map, for tests: fast, and with fault injection.
 *
 * <h2>Faults</h2>
 *
 * {@link #failNextFetches}, {@link #failNextReceives} and {@link #failNextCommits} make the next N
 * calls throw a given exception (Perkeep's test fetcher); {@link #corrupt} damages a stored blob so
 * the next fetch throws {@link CorruptBlobException}. Counters ({@link #fetchCount()} …) let a test
 * check how often a store was hit, e.g. that a cache really caches.
 *
 * <h2>Batches</h2>
 *
 * Like {@link DiskBlobStore}: a batch's blobs appear at commit, and closing without commit drops
 * them. A store made with {@link #strict()} fails {@link #close()} when batches were leaked.
 *
 * <p>Thread-safe. Nothing survives the object.
 */
public final class MemoryBlobStore implements BlobStore, BlobHolder {
  private final ConcurrentSkipListMap<BlobRef, byte[]> blobs = new ConcurrentSkipListMap<>();
  private final boolean strict;
  private final AccessTracker access;
  private final Set<BlobRef> corruptFound = ConcurrentHashMap.newKeySet();
  private final Fault fetchFault = new Fault();
  private final Fault receiveFault = new Fault();
  private final Fault commitFault = new Fault();
  private final AtomicLong fetches = new AtomicLong();
  private final AtomicLong receives = new AtomicLong();
  private final AtomicLong stats = new AtomicLong();
  private final AtomicLong enumerates = new AtomicLong();
  private final AtomicLong removes = new AtomicLong();
  private final AtomicInteger openBatches = new AtomicInteger();
  private final HoldTable holds = new HoldTable();
  private volatile boolean closed;

  private MemoryBlobStore(boolean strict, InstantSource clock) {
    this.strict = strict;
    this.access = AccessTracker.inMemory(clock);
  }

  /** A plain in-memory store. */
  public MemoryBlobStore() {
    this(false, InstantSource.system());
  }

  /** A store whose {@link #close()} throws if a batch was never closed. */
  public static MemoryBlobStore strict() {
    return new MemoryBlobStore(true, InstantSource.system());
  }

  /** A store whose access times come from {@code clock}. */
  public static MemoryBlobStore withClock(InstantSource clock) {
    return new MemoryBlobStore(false, clock);
  }

  // ---- fault injection ----

  /** The next {@code n} fetches throw {@code error} (counted, but not served). */
  public void failNextFetches(int n, IOException error) {
    fetchFault.arm(n, error);
  }

  /** The next {@code n} receives (plain or in a batch) throw {@code error} and store nothing. */
  public void failNextReceives(int n, IOException error) {
    receiveFault.arm(n, error);
  }

  /** The next {@code n} batch commits throw {@code error}; the batch's blobs stay uncommitted. */
  public void failNextCommits(int n, IOException error) {
    commitFault.arm(n, error);
  }

  /**
   * Flips a bit of the stored bytes of {@code ref} (or, for the empty blob, stores one byte), so
   * that fetching it throws {@link CorruptBlobException}.
   *
   * @throws BlobNotFoundException if it is not stored
   */
  public void corrupt(BlobRef ref) throws BlobNotFoundException {
    byte[] old = blobs.get(ref);
    if (old == null) {
      throw new BlobNotFoundException(ref);
    }
    byte[] bad = old.length == 0 ? new byte[] {0} : old.clone();
    bad[bad.length / 2] ^= 0x01;
    blobs.put(ref, bad);
  }

  // ---- counters ----

  public long fetchCount() {
    return fetches.get();
  }

  public long receiveCount() {
    return receives.get();
  }

  public long statCount() {
    return stats.get();
  }

  public long enumerateCount() {
    return enumerates.get();
  }

  public long removeCount() {
    return removes.get();
  }

  /** Batches created and not yet closed. */
  public int openBatches() {
    return openBatches.get();
  }

  /** Refs whose fetch found corruption. */
  public Set<BlobRef> corruptRefs() {
    return Set.copyOf(corruptFound);
  }

  /** Number of blobs stored. */
  public int size() {
    return blobs.size();
  }

  /** Sum of the stored blobs' sizes. */
  public long bytesStored() {
    long n = 0;
    for (byte[] b : blobs.values()) {
      n += b.length;
    }
    return n;
  }

  /** Last-access times (in memory). */
  public AccessTracker accessTracker() {
    return access;
  }

  // ---- the store ----

  @Override
  public byte[] fetch(BlobRef ref) throws IOException {
    checkOpen();
    fetches.incrementAndGet();
    fetchFault.maybeThrow();
    byte[] data = blobs.get(ref);
    if (data == null) {
      throw new BlobNotFoundException(ref);
    }
    BlobRef actual = Blake3.hash(data);
    if (!actual.equals(ref)) {
      corruptFound.add(ref);
      throw new CorruptBlobException(ref, data.length + " bytes that hash to " + actual);
    }
    access.touch(ref);
    return data.clone();
  }

  @Override
  public BlobRef receive(byte[] data, int off, int len) throws IOException {
    return receive(data, off, len, null);
  }

  private BlobRef receive(byte[] data, int off, int len, Hold hold) throws IOException {
    checkOpen();
    receives.incrementAndGet();
    receiveFault.maybeThrow();
    Objects.checkFromIndexSize(off, len, data.length);
    BlobRef ref = Blake3.hash(data, off, len);
    if (hold != null) {
      hold.hold(ref);
    }
    store(ref, data, off, len);
    return ref;
  }

  @Override
  public BlobRef receive(InputStream in) throws IOException {
    checkOpen();
    byte[] data = in.readAllBytes();
    return receive(data, 0, data.length, null);
  }

  @Override
  public BlobBatch newBatch() {
    return newBatch(null);
  }

  private BlobBatch newBatch(Hold hold) {
    if (closed) {
      throw new IllegalStateException("store is closed");
    }
    openBatches.incrementAndGet();
    return new MemoryBatch(hold);
  }

  /** A hold, as {@link DiskBlobStore#newHold()} gives: see {@link Hold}. */
  @Override
  public Hold newHold() {
    return holds.open(
        hold ->
            new BlobReceiver() {
              @Override
              public BlobRef receive(byte[] data, int off, int len) throws IOException {
                return MemoryBlobStore.this.receive(data, off, len, hold);
              }

              @Override
              public BlobRef receive(InputStream in) throws IOException {
                checkOpen();
                byte[] data = in.readAllBytes();
                return MemoryBlobStore.this.receive(data, 0, data.length, hold);
              }

              @Override
              public BlobBatch newBatch() {
                return MemoryBlobStore.this.newBatch(hold);
              }
            });
  }

  /** This store's holds, for the garbage collector. */
  public HoldTable holds() {
    return holds;
  }

  @Override
  public Optional<BlobInfo> stat(BlobRef ref) throws IOException {
    checkOpen();
    stats.incrementAndGet();
    byte[] data = blobs.get(ref);
    return data == null ? Optional.empty() : Optional.of(new BlobInfo(ref, data.length));
  }

  @Override
  public List<BlobInfo> enumerate(Optional<BlobRef> after, int limit) throws IOException {
    checkOpen();
    enumerates.incrementAndGet();
    Map<BlobRef, byte[]> view = after.isPresent() ? blobs.tailMap(after.get(), false) : blobs;
    List<BlobInfo> out = new ArrayList<>();
    for (Map.Entry<BlobRef, byte[]> e : view.entrySet()) {
      if (out.size() >= limit) {
        break;
      }
      out.add(new BlobInfo(e.getKey(), e.getValue().length));
    }
    return out;
  }

  /** Removes the blob unless it is held; false if held or absent. */
  @Override
  public boolean remove(BlobRef ref) throws IOException {
    checkOpen();
    removes.incrementAndGet();
    return holds.unlessHeld(
        ref,
        () -> {
          boolean removed = blobs.remove(ref) != null;
          if (removed) {
            access.forget(ref);
          }
          return removed;
        },
        false);
  }

  /**
   * Marks the store closed: every later call throws. A {@link #strict()} store throws {@link
   * IllegalStateException} here if batches are still open.
   */
  @Override
  public void close() {
    closed = true;
    int leaked = openBatches.get();
    if (strict && leaked > 0) {
      throw new IllegalStateException(leaked + " blob batch(es) were never closed");
    }
  }

  private void store(BlobRef ref, byte[] data, int off, int len) {
    byte[] copy = Arrays.copyOfRange(data, off, off + len);
    // A good copy replaces a corrupt one (repair), otherwise the first copy stays.
    blobs.merge(ref, copy, (old, neu) -> Blake3.hash(old).equals(ref) ? old : neu);
    corruptFound.remove(ref);
    access.touch(ref);
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException("store is closed");
    }
  }

  private static final class Fault {
    private final AtomicInteger remaining = new AtomicInteger();
    private final AtomicReference<IOException> error = new AtomicReference<>();

    void arm(int n, IOException e) {
      error.set(Objects.requireNonNull(e));
      remaining.set(n);
    }

    void maybeThrow() throws IOException {
      if (remaining.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        throw error.get();
      }
    }
  }

  private final class MemoryBatch implements BlobBatch {
    private final Map<BlobRef, byte[]> pending = new LinkedHashMap<>();
    private final Hold hold;
    private boolean done;

    MemoryBatch(Hold hold) {
      this.hold = hold;
    }

    @Override
    public BlobRef receive(byte[] data, int off, int len) throws IOException {
      check();
      receives.incrementAndGet();
      receiveFault.maybeThrow();
      Objects.checkFromIndexSize(off, len, data.length);
      BlobRef ref = Blake3.hash(data, off, len);
      if (hold != null) {
        hold.hold(ref);
      }
      pending.putIfAbsent(ref, Arrays.copyOfRange(data, off, off + len));
      return ref;
    }

    @Override
    public void commit() throws IOException {
      check();
      commitFault.maybeThrow();
      for (Map.Entry<BlobRef, byte[]> e : pending.entrySet()) {
        byte[] b = e.getValue();
        store(e.getKey(), b, 0, b.length);
      }
      pending.clear();
    }

    @Override
    public void close() {
      if (!done) {
        done = true;
        pending.clear();
        openBatches.decrementAndGet();
      }
    }

    private void check() throws IOException {
      if (done) {
        throw new IllegalStateException("batch is closed");
      }
      checkOpen();
    }
  }
}
