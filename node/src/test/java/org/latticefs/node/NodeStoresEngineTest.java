package org.latticefs.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.BouncyCastleEd25519;
import org.latticefs.kv.Signatures;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.crypto.SodiumEd25519;

/** Opening a data directory (daemon or CLI) makes libsodium kv's engine where it loads. */
class NodeStoresEngineTest {
  @TempDir Path home;

  @Test
  void openingTheStoresInstallsLibsodiumWhereItLoads() throws Exception {
    var previous = Signatures.use(BouncyCastleEd25519.INSTANCE);
    try (LocalNode node = LocalNode.open(new DataDir(home))) {
      assertEquals(
          SodiumEd25519.load().map(e -> e.name()).orElse("bouncycastle"),
          Signatures.engine().name());
      SodiumEd25519.load().ifPresent(e -> assertSame(e, Signatures.engine()));
    } finally {
      Signatures.use(previous);
    }
  }
}
