package org.latticefs.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.store.MemoryBlobStore;

class LocalFirstFetcherTest {
  static final byte[] DATA = "chunk".getBytes(StandardCharsets.UTF_8);

  @Test
  void localHitNeverAsksRemotes() throws IOException {
    MemoryBlobStore local = new MemoryBlobStore();
    MemoryBlobStore remote = new MemoryBlobStore();
    BlobRef ref = local.receive(DATA);
    LocalFirstFetcher f = new LocalFirstFetcher(local, local);
    f.addRemote(remote);
    assertArrayEquals(DATA, f.fetch(ref));
    assertEquals(0, remote.fetchCount());
  }

  @Test
  void missingLocallyComesFromARemoteAndIsKept() throws IOException {
    MemoryBlobStore local = new MemoryBlobStore();
    MemoryBlobStore empty = new MemoryBlobStore();
    MemoryBlobStore remote = new MemoryBlobStore();
    BlobRef ref = remote.receive(DATA);
    LocalFirstFetcher f = new LocalFirstFetcher(local, local);
    f.addRemote(empty);
    f.addRemote(remote);
    assertArrayEquals(DATA, f.fetch(ref));
    assertArrayEquals(DATA, local.fetch(ref), "stored locally for the next read");
  }

  @Test
  void corruptLocalCopyIsRepairedFromARemote() throws IOException {
    MemoryBlobStore local = new MemoryBlobStore();
    MemoryBlobStore remote = new MemoryBlobStore();
    BlobRef ref = local.receive(DATA);
    remote.receive(DATA);
    local.corrupt(ref);
    LocalFirstFetcher f = new LocalFirstFetcher(local, local);
    assertThrows(CorruptBlobException.class, () -> f.fetch(ref), "no remote: the corruption shows");
    f.addRemote(remote);
    assertArrayEquals(DATA, f.fetch(ref));
  }

  @Test
  void rangesAndBufferedReadsTakeTheSameRoute() throws IOException {
    MemoryBlobStore local = new MemoryBlobStore();
    MemoryBlobStore remote = new MemoryBlobStore();
    BlobRef here = local.receive(DATA);
    byte[] other = "another chunk".getBytes(StandardCharsets.UTF_8);
    BlobRef there = remote.receive(other);
    LocalFirstFetcher f = new LocalFirstFetcher(local, local);
    assertThrows(BlobNotFoundException.class, () -> f.fetchRange(there, 0, 2), "no remote yet");
    f.addRemote(remote);
    assertArrayEquals("hu".getBytes(StandardCharsets.UTF_8), f.fetchRange(here, 1, 2));
    assertEquals(0, remote.fetchCount());
    assertArrayEquals("other".getBytes(StandardCharsets.UTF_8), f.fetchRange(there, 2, 5));
    assertArrayEquals(other, local.fetch(there), "stored locally for the next read");
    byte[] dst = new byte[64];
    assertEquals(DATA.length, f.fetchInto(here, dst));
    assertArrayEquals(DATA, java.util.Arrays.copyOf(dst, DATA.length));
    local.corrupt(here);
    remote.receive(DATA);
    assertEquals(DATA.length, f.fetchInto(here, dst), "repaired from the remote");
    assertArrayEquals(DATA, java.util.Arrays.copyOf(dst, DATA.length));
  }

  @Test
  void aLyingRemoteIsNeitherStoredNorReturnedAndTheNextRemoteIsAsked() throws IOException {
    MemoryBlobStore local = new MemoryBlobStore();
    MemoryBlobStore honest = new MemoryBlobStore();
    BlobRef ref = honest.receive(DATA);
    byte[] lie = "chunk!".getBytes(StandardCharsets.UTF_8);
    BlobFetcher liar = r -> lie.clone();
    LocalFirstFetcher f = new LocalFirstFetcher(local, local);
    f.addRemote(liar);
    assertThrows(
        BlobNotFoundException.class,
        () -> f.fetch(ref),
        "with only the liar, the read fails as the local store did: not found");
    assertEquals(0, local.size(), "nothing the liar sent was stored");
    assertThrows(BlobNotFoundException.class, () -> f.fetchRange(ref, 0, 2));
    assertThrows(BlobNotFoundException.class, () -> f.fetchInto(ref, new byte[64]));
    assertEquals(0, local.size());

    f.addRemote(honest);
    assertArrayEquals(DATA, f.fetch(ref), "the honest remote after the liar");
    assertArrayEquals(DATA, local.fetch(ref));
    assertEquals(1, local.size());
  }

  @Test
  void nowhereIsNotFound() {
    LocalFirstFetcher f = new LocalFirstFetcher(new MemoryBlobStore(), new MemoryBlobStore());
    f.addRemote(new MemoryBlobStore());
    assertThrows(BlobNotFoundException.class, () -> f.fetch(Blake3.hash(DATA)));
  }
}
