package org.latticefs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkBuffersTest {
  private final ChunkBuffers pool = new ChunkBuffers();

  @Test
  void buffersComeInPowerOfTwoSizesFrom64KiB() {
    assertEquals(64 * 1024, pool.take(0).bytes().length);
    assertEquals(64 * 1024, pool.take(64 * 1024).bytes().length);
    assertEquals(128 * 1024, pool.take(64 * 1024 + 1).bytes().length);
    assertEquals(512 * 1024, pool.take(300_000).bytes().length);
    assertEquals(ChunkBuffers.MAX_SIZE, pool.take(ChunkBuffers.MAX_SIZE).bytes().length);
    assertThrows(IllegalArgumentException.class, () -> pool.take(ChunkBuffers.MAX_SIZE + 1));
  }

  @Test
  void aBufferGoesBackOnlyWhenItsLastUserLetsGo() {
    ChunkBuffers.Lease a = pool.take(100_000);
    assertTrue(a.retain());
    a.release();
    assertEquals(0, pool.idleBuffers(), "one user left");
    ChunkBuffers.Lease b = pool.take(100_000);
    assertNotSame(a.bytes(), b.bytes(), "a buffer in use is never handed out");
    a.release();
    assertEquals(1, pool.idleBuffers());
    assertFalse(a.retain(), "no one may join a released lease");
    assertThrows(IllegalStateException.class, a::release);
    assertSame(a.bytes(), pool.take(100_000).bytes(), "reused");
  }

  @Test
  void idleBuffersAreBoundedPerSize() {
    List<ChunkBuffers.Lease> leases = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      leases.add(pool.take(ChunkBuffers.MAX_SIZE));
    }
    leases.forEach(ChunkBuffers.Lease::release);
    assertEquals(ChunkBuffers.BYTES_PER_SIZE / ChunkBuffers.MAX_SIZE, pool.idleBuffers());
  }

  @Test
  void unpooledLeasesAreLeftToTheCollector() {
    ChunkBuffers.Lease l = ChunkBuffers.Lease.unpooled(new byte[3 << 20]);
    l.release();
    assertEquals(0, pool.idleBuffers());
  }
}
