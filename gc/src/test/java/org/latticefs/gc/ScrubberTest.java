package org.latticefs.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.Manifest;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.gc.pin.PinReconcilerTest;

class ScrubberTest {
  final MemoryBlobStore store = new MemoryBlobStore();
  final MemoryBlobStore peer = new MemoryBlobStore();
  final AtomicLong nanos = new AtomicLong();
  final AtomicLong slept = new AtomicLong();

  Scrubber scrubber(NamedFiles files) {
    return new Scrubber(
        CollectableStore.of(store),
        peer,
        files,
        InstantSource.fixed(Instant.EPOCH),
        nanos::get,
        n -> {
          slept.addAndGet(n);
          nanos.addAndGet(n);
        });
  }

  @Test
  void aCorruptChunkIsQuarantinedAndItsFileNamedAndRepairFetchesAGoodCopy() throws Exception {
    byte[] data = PinReconcilerTest.random(1, 30_000);
    BlobRef damaged = PinReconcilerTest.ingest(store, data);
    BlobRef fine = PinReconcilerTest.ingest(store, PinReconcilerTest.random(2, 30_000));
    PinReconcilerTest.ingest(peer, data);
    BlobRef chunk = firstChunk(damaged);
    store.corrupt(chunk);
    NamedFiles files =
        sink -> {
          sink.file("/docs/damaged", damaged);
          sink.file("/docs/fine", fine);
        };

    Scrubber.Report r = scrubber(files).run(false, 0);

    assertEquals(List.of(chunk.hex()), r.bad());
    assertEquals(List.of("/docs/damaged (" + damaged.hex() + ")"), r.lostFiles());
    assertTrue(store.corruptRefs().contains(chunk), "quarantined");
    assertEquals(0, r.repaired());

    Scrubber.Report fixed = scrubber(files).run(true, 0);
    assertEquals(1, fixed.repaired());
    assertEquals(0, fixed.lostFileCount());
    assertTrue(fixed.bad().isEmpty());
    assertArrayEquals(peer.fetch(chunk), store.fetch(chunk));
  }

  @Test
  void withoutAGoodCopyRepairLeavesTheBlobQuarantinedAndSaysSo() throws Exception {
    BlobRef m = PinReconcilerTest.ingest(store, PinReconcilerTest.random(3, 30_000));
    BlobRef chunk = firstChunk(m);
    store.corrupt(chunk);
    Scrubber.Report r = scrubber(sink -> sink.file("/a", m)).run(true, 0);
    assertEquals(0, r.repaired());
    assertEquals(1, r.badCount());
    assertEquals(1, r.lostFileCount());
  }

  @Test
  void aRateLimitSpreadsTheReads() throws Exception {
    PinReconcilerTest.ingest(store, PinReconcilerTest.random(4, 100_000));
    Scrubber.Report r = scrubber(NamedFiles.none()).run(false, 10_000);
    assertTrue(r.checkedBytes() >= 100_000);
    // 100 kB at 10 kB/s: about ten seconds of (fake) waiting, never less than the bytes allow.
    assertTrue(slept.get() >= (r.checkedBytes() - 65_536) * 100_000L, "slept " + slept.get());
  }

  private BlobRef firstChunk(BlobRef manifest) throws Exception {
    Manifest m = Manifest.decode(store.fetch(manifest));
    while (!m.isLeaf()) {
      m = Manifest.decode(store.fetch(m.ref(0)));
    }
    return m.ref(0);
  }
}
