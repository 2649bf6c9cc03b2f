package org.latticefs.node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps blobs fetched from peers in the local store, off the reader's path: each is queued, and one
 * thread stores what is queued in batches (one sync per batch, not one per chunk: a chunk synced
 * alone cost ~10 ms, the whole of a cold read's time), each batch under a hold until committed.
 * While queued, a blob is readable from here ({@link #queued}), so a second read does not fetch it
 * again.
 *
 * <p>Memory: at most {@link #MAX_QUEUED_BYTES} queued; beyond, {@link #keep} stores on the caller's
 * thread. A blob that cannot be stored (disk full) is logged and dropped: it was verified and
 * returned, and a later read fetches it again. Nothing queued survives a crash (it was a cache).
 * Thread-safe.
 */
final class FetchedBlobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FetchedBlobs.class);
  static final int MAX_QUEUED_BYTES = 64 << 20;
  private static final int MAX_BATCH = 64;

  private final BlobHolder store;
  private final Map<BlobRef, byte[]> queued = new ConcurrentHashMap<>();
  private final LinkedBlockingQueue<BlobRef> order = new LinkedBlockingQueue<>();
  private final Semaphore room = new Semaphore(MAX_QUEUED_BYTES);
  private final Thread thread;
  private volatile boolean closed;

  FetchedBlobs(BlobHolder store) {
    this.store = store;
    this.thread = new Thread(this::run, "lattice-fetched-blobs");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stores {@code bytes} (verified to be {@code ref}) locally, soon. */
  void keep(BlobRef ref, byte[] bytes) {
    if (closed || !room.tryAcquire(bytes.length)) {
      storeNow(List.of(bytes));
      return;
    }
    if (queued.putIfAbsent(ref, bytes) != null) {
      room.release(bytes.length);
      return;
    }
    order.add(ref);
  }

  /** A copy of {@code ref}'s bytes if they wait to be stored, else null. */
  byte[] queued(BlobRef ref) {
    byte[] b = queued.get(ref);
    return b == null ? null : b.clone();
  }

  private void run() {
    while (!closed || !order.isEmpty()) {
      BlobRef first;
      try {
        first = order.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        continue; // close() interrupts; what is queued is still stored
      }
      if (first == null) {
        continue;
      }
      List<BlobRef> refs = new ArrayList<>();
      refs.add(first);
      order.drainTo(refs, MAX_BATCH - 1);
      List<byte[]> batch = new ArrayList<>();
      for (BlobRef r : refs) {
        batch.add(queued.get(r));
      }
      storeNow(batch);
      for (int i = 0; i < refs.size(); i++) {
        queued.remove(refs.get(i));
        room.release(batch.get(i).length);
      }
    }
  }

  private void storeNow(List<byte[]> blobs) {
    try (Hold h = store.newHold();
        BlobBatch b = h.receiver().newBatch()) {
      for (byte[] bytes : blobs) {
        b.receive(bytes, 0, bytes.length);
      }
      b.commit();
    } catch (IOException | RuntimeException e) {
      // Verified bytes were returned to the reader; only the local copy is missing.
      LOG.warn("cannot keep {} blobs fetched from peers: {}", blobs.size(), e.toString());
    }
  }

  /** Stores what is queued, then stops. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
