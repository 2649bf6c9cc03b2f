package org.latticefs.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {
  @TempDir Path dir;

  @Test
  void createsKeyFileOwnerOnlyAndReloadsTheSameId() throws Exception {
    Path data = dir.resolve("data");
    Identity a = Identity.loadOrCreate(data);
    Path file = data.resolve(Identity.FILE_NAME);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Identity b = Identity.loadOrCreate(data);
    assertEquals(a.id(), b.id());
    assertEquals(a, b);
    String text = Files.readString(file);
    assertTrue(text.startsWith("lattice-identity-v1\ned25519-seed "), text);
    assertTrue(text.endsWith("\nnode-id " + a.id() + "\n"), text);
    try (var files = Files.list(data)) {
      assertEquals(List.of(file), files.toList(), "no temporary files left behind");
    }
    assertFalse(a.toString().contains(text.substring(33, 97)), "toString leaks the seed");
  }

  @Test
  void racingCreatorsAgree() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Identity>> fs = new ArrayList<>();
      Callable<Identity> load = () -> Identity.loadOrCreate(dir.resolve("race"));
      for (int i = 0; i < 8; i++) {
        fs.add(pool.submit(load));
      }
      NodeId first = fs.get(0).get().id();
      for (Future<Identity> f : fs) {
        assertEquals(first, f.get().id());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void corruptKeyFileIsAnErrorAndLeftAlone() throws Exception {
    Identity good = Identity.loadOrCreate(dir);
    Path file = dir.resolve(Identity.FILE_NAME);
    String text = Files.readString(file);
    List<String> corruptions =
        List.of(
            "",
            text.substring(0, text.length() - 1),
            text.substring(0, 40),
            text + "extra\n",
            text.replace("lattice-identity-v1", "lattice-identity-v2"),
            text.replace("ed25519-seed ", "ed25519-seed  "),
            text.replaceFirst("seed ([0-9a-f])", "seed X"),
            text.toUpperCase(),
            text.replace("node-id lat1", "node-id lat1a").replaceFirst(".\n$", "\n"),
            "\u0000".repeat(2000),
            text + "x".repeat(5000));
    for (String bad : corruptions) {
      Files.writeString(file, bad, StandardCharsets.ISO_8859_1);
      KvException e = assertThrows(KvException.class, () -> Identity.loadOrCreate(dir));
      assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
      assertEquals(bad, Files.readString(file, StandardCharsets.ISO_8859_1), "file left as is");
    }
    // A seed whose node-id line names another key.
    Identity other = Identity.generate(new Random(1));
    Files.writeString(file, text.replace(good.id().toString(), other.id().toString()));
    KvException e = assertThrows(KvException.class, () -> Identity.loadOrCreate(dir));
    assertTrue(e.getMessage().contains("does not match its seed"), e.getMessage());
  }

  @Test
  void signAndVerify() {
    Random r = new Random(9);
    Identity a = Identity.generate(r);
    Identity b = Identity.generate(r);
    byte[] msg = "hello lattice".getBytes(StandardCharsets.UTF_8);
    byte[] sig = a.sign(msg);
    assertEquals(64, sig.length);
    assertTrue(Identity.verify(a.id(), msg, sig));
    assertFalse(Identity.verify(b.id(), msg, sig));
    byte[] other = msg.clone();
    other[0] ^= 1;
    assertFalse(Identity.verify(a.id(), other, sig));
    byte[] badSig = sig.clone();
    badSig[10] ^= 1;
    assertFalse(Identity.verify(a.id(), msg, badSig));
    assertFalse(Identity.verify(a.id(), msg, new byte[63]));
    assertFalse(Identity.verify(a.id(), msg, null));
    // Not a curve point: never verifies, never throws.
    byte[] notAPoint = new byte[32];
    java.util.Arrays.fill(notAPoint, (byte) 0xff);
    assertFalse(Identity.verify(new NodeId(notAPoint), msg, sig));
    // Deterministic signatures (RFC 8032) and seeded generation.
    assertArrayEquals(sig, a.sign(msg));
    assertEquals(Identity.generate(new Random(9)).id(), a.id());
    assertNotEquals(a.id(), b.id());
  }

  @Test
  void rfc8032TestVector1() {
    byte[] seed =
        java.util.HexFormat.of()
            .parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    Identity id = Identity.fromSeed(seed);
    assertEquals("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", id.id().hex());
    assertEquals(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        java.util.HexFormat.of().formatHex(id.sign(new byte[0])));
  }
}
