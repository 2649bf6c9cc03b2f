package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.Identity;

class SmokeTest {
  @TempDir Path dir;

  @Test
  void roundTrip() throws Exception {
    Identity id = Identity.generate(new Random(1));
    UUID store = new UUID(1, 2);
    Path f = dir.resolve("a.log");
    List<SignedEntry> c = Entries.chain(store, id, null, 100);
    try (SigChainLog log = SigChainLog.open(f, store, id.id())) {
      log.append(c.subList(0, 60));
      log.append(c.subList(60, 100));
    }
    try (SigChainLog log = SigChainLog.open(f, store, id.id())) {
      assertEquals(100, log.tip().orElseThrow().seq());
      assertEquals(c, log.entriesAfter(0).toList());
      assertEquals(c.get(41), log.get(42).orElseThrow());
    }
  }
}
