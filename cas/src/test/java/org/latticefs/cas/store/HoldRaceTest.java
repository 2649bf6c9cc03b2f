package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.Hold;

/**
 * Races a receive that dedups against a present blob (through a hold) with a removal of the same
 * ref, many times from a seed: whenever the receive returned, the blob it counted on is there.
 */
class HoldRaceTest {
  private static final int ROUNDS = 300;

  @TempDir Path root;

  @Test
  void diskStoreNeverLosesABlobAReceiveCountedOn() throws Exception {
    try (DiskBlobStore store = DiskBlobStore.open(root)) {
      race(store, store, 1);
    }
  }

  @Test
  void diskStoreBatchReceivesHoldToo() throws Exception {
    try (DiskBlobStore store = DiskBlobStore.open(root)) {
      race(store, store, 2);
    }
  }

  @Test
  void diskStoreRemovalsInAListAreLinearizedToo() throws Exception {
    try (DiskBlobStore store = DiskBlobStore.open(root)) {
      race(store, store, 5);
    }
  }

  @Test
  void memoryStoreNeverLosesABlobAReceiveCountedOn() throws Exception {
    try (MemoryBlobStore store = new MemoryBlobStore()) {
      race(store, store, 3);
      race(store, store, 4);
    }
  }

  private static void race(BlobStore store, BlobHolder holder, long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    boolean batch = seed % 2 == 0;
    boolean listed = seed == 5;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      int removedFirst = 0;
      for (int round = 0; round < ROUNDS; round++) {
        byte[] data = new byte[1 + rnd.nextInt(4096)];
        rnd.nextBytes(data);
        BlobRef ref = store.receive(data);
        CyclicBarrier start = new CyclicBarrier(2);
        Hold hold = holder.newHold();
        int spin = rnd.nextInt(2000);
        Future<BlobRef> receive =
            pool.submit(
                () -> {
                  start.await();
                  if (!batch) {
                    return hold.receive(data);
                  }
                  try (BlobBatch b = hold.receiver().newBatch()) {
                    BlobRef r = b.receive(data, 0, data.length);
                    b.commit();
                    return r;
                  }
                });
        Future<Boolean> remove =
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < spin; i++) {
                    Thread.onSpinWait();
                  }
                  return listed ? store.removeAll(List.of(ref))[0] : store.remove(ref);
                });
        assertEquals(ref, receive.get(30, TimeUnit.SECONDS));
        if (remove.get(30, TimeUnit.SECONDS)) {
          removedFirst++;
        }
        // The receive returned: the blob it counted on must be readable while the hold lasts.
        assertArrayEquals(data, store.fetch(ref), "round " + round + " of seed " + seed);
        assertFalse(store.remove(ref), "a held ref is never removed");
        hold.close();
        assertTrue(store.remove(ref), "released: now it goes");
      }
      // Not an assertion on timing: just that both orders can occur is informative.
      System.out.println("seed " + seed + ": removal won " + removedFirst + " of " + ROUNDS);
    } finally {
      pool.shutdownNow();
    }
  }
}
