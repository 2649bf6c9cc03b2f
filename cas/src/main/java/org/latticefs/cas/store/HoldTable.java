package org.latticefs.cas.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.latticefs.cas.BlobReceiver;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;

/**
 * The holds of one store: which refs must not be removed now, and which manifests are roots because
 * a hold keeps their tree (see {@link Hold} for the contract every store's holds keep).
 *
 * <h2>How removal and holds are linearized</h2>
 *
 * Refs are spread over {@value #STRIPES} stripes by their first bytes, each with a lock and a
 * multiset of held refs (keyed by the ref's first 8 bytes: two refs that share them protect each
 * other, which only keeps a blob a little longer). A hold takes its ref's stripe lock to count it;
 * a removal ({@link #unlessHeld}) takes the same lock, checks, and deletes before letting go. So a
 * receive that holds its ref and then looks for a present copy either sees the removal's result
 * (absent: it stores the blob again) or makes the removal refuse.
 *
 * <h2>Passes</h2>
 *
 * A garbage collector brackets each pass with {@link #beginPass()}: while a pass runs, closed holds
 * stay in force until it ends, because the pass may have read its roots before the holder made its
 * references visible. Memory is the refs held, plus those of holds closed during a pass.
 *
 * <p>Thread-safe. Lock order: a hold's monitor, then the pass lock, then a stripe lock.
 */
public final class HoldTable {
  static final int STRIPES = 256;

  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
  private final LongCounts[] held = new LongCounts[STRIPES];
  private final ConcurrentHashMap<BlobRef, Integer> trees = new ConcurrentHashMap<>();
  private final Object passLock = new Object();
  private final AtomicLong heldCount = new AtomicLong();
  private final AtomicLong openHolds = new AtomicLong();

  // Guarded by passLock.
  private int passes;
  private final List<Entry> deferred = new ArrayList<>();

  public HoldTable() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
      held[i] = new LongCounts();
    }
  }

  /** A removal (or anything else) run only if {@code ref} is not held. */
  @FunctionalInterface
  public interface Removal<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code removal} under {@code ref}'s stripe lock unless {@code ref} is held; returns its
   * result, or {@code ifHeld} without running it. No hold of {@code ref} can start while it runs.
   */
  public <T> T unlessHeld(BlobRef ref, Removal<T> removal, T ifHeld) throws IOException {
    long key = key(ref);
    ReentrantLock lock = locks[stripe(key)];
    lock.lock();
    try {
      if (held[stripe(key)].get(key) > 0) {
        return ifHeld;
      }
      return removal.run();
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code ref} is held now (a snapshot: for reports, not for deciding a removal). */
  public boolean isHeld(BlobRef ref) {
    long key = key(ref);
    ReentrantLock lock = locks[stripe(key)];
    lock.lock();
    try {
      return held[stripe(key)].get(key) > 0;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Opens a hold whose {@link Hold#receiver()} is {@code receiverFor} applied to it (the store's
   * receiver that holds each ref through the hold before it looks for a present copy).
   */
  public Hold open(Function<Hold, BlobReceiver> receiverFor) {
    openHolds.incrementAndGet();
    return new Entry(receiverFor);
  }

  /**
   * Starts a collection pass (see the class doc); the caller closes it when its removals are done.
   * Passes may overlap; closed holds are released when the last one ends.
   */
  public Pass beginPass() {
    synchronized (passLock) {
      passes++;
    }
    return new Pass();
  }

  /** A running collection pass; {@link #close()} ends it. */
  public final class Pass implements AutoCloseable {
    private boolean ended;

    private Pass() {}

    @Override
    public void close() {
      List<Entry> release;
      synchronized (passLock) {
        if (ended) {
          return;
        }
        ended = true;
        if (--passes > 0) {
          return;
        }
        release = new ArrayList<>(deferred);
        deferred.clear();
      }
      for (Entry e : release) {
        e.releaseAll();
      }
    }
  }

  /** The manifests held as roots now (see {@link Hold#holdTree}), each once. A snapshot. */
  public List<BlobRef> heldTrees() {
    return new ArrayList<>(trees.keySet());
  }

  /** Ref holds in force now (a ref held twice counts twice). */
  public long heldRefs() {
    return heldCount.get();
  }

  /** Holds opened and not yet released (closed during a pass counts until the pass ends). */
  public long openHolds() {
    return openHolds.get();
  }

  private void acquire(long key) {
    int s = stripe(key);
    ReentrantLock lock = locks[s];
    lock.lock();
    try {
      held[s].increment(key);
    } finally {
      lock.unlock();
    }
    heldCount.incrementAndGet();
  }

  private void release(long key) {
    int s = stripe(key);
    ReentrantLock lock = locks[s];
    lock.lock();
    try {
      held[s].decrement(key);
    } finally {
      lock.unlock();
    }
    heldCount.decrementAndGet();
  }

  /** The table key of {@code ref}: its first 8 bytes ({@link BlobRef#prefix()}). */
  static long key(BlobRef ref) {
    return ref.prefix();
  }

  private static int stripe(long key) {
    return (int) (key >>> 56) & (STRIPES - 1);
  }

  /** One hold: the keys it counted (in order, duplicates included) and the trees it roots. */
  private final class Entry implements Hold {
    private final BlobReceiver receiver;
    private long[] keys = new long[8];
    private int count;
    private final List<BlobRef> rooted = new ArrayList<>(1);
    private boolean closed;
    private boolean released;

    Entry(Function<Hold, BlobReceiver> receiverFor) {
      this.receiver = receiverFor.apply(this);
    }

    @Override
    public BlobReceiver receiver() {
      return receiver;
    }

    @Override
    public synchronized void hold(BlobRef ref) {
      if (closed) {
        throw new IllegalStateException("the hold is closed");
      }
      long key = key(ref);
      acquire(key);
      if (count == keys.length) {
        keys = java.util.Arrays.copyOf(keys, keys.length * 2);
      }
      keys[count++] = key;
    }

    @Override
    public synchronized void holdTree(BlobRef manifest) {
      hold(manifest);
      rooted.add(manifest);
      trees.merge(manifest, 1, Integer::sum);
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      synchronized (passLock) {
        if (passes > 0) {
          deferred.add(this);
          return;
        }
      }
      releaseAll();
    }

    private synchronized void releaseAll() {
      if (released) {
        return;
      }
      released = true;
      for (BlobRef m : rooted) {
        trees.computeIfPresent(m, (k, n) -> n == 1 ? null : n - 1);
      }
      for (int i = 0; i < count; i++) {
        release(keys[i]);
      }
      keys = new long[0];
      count = 0;
      rooted.clear();
      openHolds.decrementAndGet();
    }
  }
}
