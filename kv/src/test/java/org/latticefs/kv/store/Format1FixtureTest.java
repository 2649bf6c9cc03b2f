package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.Stores.StoreInfo;

/**
 * A data directory written by the build before this format change (commit 9515c70, a program in its
 * test tree: one store "docs" with 21 DISK commits (20 puts, 1 delete) and one PROCESS_CRASH commit
 * of {@code /dirents/1/café}, closed cleanly) opens with this build: same node, stores, values and
 * state digests; its format-1 checkpoints are read (their marks trusted and protecting) and
 * upgraded. The log file format itself did not change.
 */
class Format1FixtureTest {
  private static final UUID DOCS = UUID.fromString("f3f6c3fb-5c93-4b0f-8cb6-dab2fd759158");
  private static final String NODE =
      "lat1knvo7bqyuqwsnzkaslnyub6pjlcjasknkeu6gh4gfnl5ufel7owtqhhb24";
  private static final String DOCS_DIGEST =
      "d1be0b86913ac8b7c40ed00827094d15f1c5c22f7c6cfabebebd554b76122d2f";
  private static final String ROOT_DIGEST =
      "2df2f237b45ccaab2d49cb5124f86d9a9a6cffc8f90bfa3a08a2579e421086f6";

  @TempDir Path data;

  @BeforeEach
  void copyFixture() throws IOException, URISyntaxException {
    Path fixture = Path.of(getClass().getResource("/fixtures/kv-format-1").toURI());
    CorruptionMatrixTest.copyTree(fixture, data);
    Files.setPosixFilePermissions(
        data.resolve("identity.key"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  private Path docsLog() throws IOException {
    try (Stream<Path> files = Files.list(data.resolve("stores/" + DOCS + "/logs"))) {
      return files.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
    }
  }

  @Test
  void opensWithTheSameNodeStoresValuesAndDigests() throws Exception {
    long v1 = Files.size(data.resolve(docsLog() + ".verified"));
    assertEquals(60, v1, "the fixture holds format-1 checkpoints");
    for (int round = 0; round < 2; round++) {
      try (DiskStores stores = DiskStores.open(data)) {
        assertEquals(NODE, stores.nodeId().toString());
        assertEquals(
            List.of(
                new StoreInfo(
                    DOCS, "docs", stores.findStore("docs").orElseThrow().createdAtMillis())),
            stores.listStores());
        LogStore docs = stores.open(DOCS);
        assertEquals(DOCS_DIGEST, docs.stateDigest().hex());
        assertEquals(ROOT_DIGEST, stores.root().stateDigest().hex());
        assertEquals(DOCS_DIGEST, docs.rebuild().hex(), "rebuilt from the logs alike");
        assertEquals("value 19", text(docs.get("/inodes/19")));
        assertTrue(docs.get("/inodes/3").isEmpty());
        assertEquals("7", text(docs.get("/dirents/1/caf\u00e9")));
        assertEquals(22, docs.syncState().get(stores.nodeId()).seq());
      }
      assertEquals(180, Files.size(data.resolve(docsLog() + ".verified")), "upgraded to format 2");
    }
  }

  @Test
  void itsFormat1CheckpointsProtectAcknowledgedEntries() throws Exception {
    byte[] log = Files.readAllBytes(docsLog());
    log[log.length - 10] ^= 1; // inside the last entry, which the old checkpoint covers
    Files.write(docsLog(), log);
    try (DiskStores stores = DiskStores.open(data)) {
      DamagedStoreException e = assertThrows(DamagedStoreException.class, () -> stores.open(DOCS));
      assertTrue(e.getMessage().contains(docsLog().getFileName().toString()), e.getMessage());
    }
  }

  @Test
  void logsThatNeverHadACheckpointOpenFullyVerified() throws Exception {
    Files.delete(data.resolve(docsLog() + ".verified"));
    try (DiskStores stores = DiskStores.open(data)) {
      assertEquals(DOCS_DIGEST, stores.open(DOCS).stateDigest().hex());
    }
  }

  private static String text(Optional<byte[]> v) {
    return new String(v.orElseThrow(), StandardCharsets.UTF_8);
  }
}
