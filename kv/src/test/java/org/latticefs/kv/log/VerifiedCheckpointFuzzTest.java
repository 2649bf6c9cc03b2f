package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;

/**
 * A verified checkpoint never changes what {@link SigChainLog#open} accepts: a damaged log opens
 * with the log's own checkpoint exactly as without one, and a damaged checkpoint beside an intact
 * log is ignored (the decoder never throws).
 */
class VerifiedCheckpointFuzzTest {
  private static final UUID STORE = new UUID(7, 8);
  private static final Identity ALICE = Identity.generate(new Random(22));
  private static Path dir;
  private static List<SignedEntry> chain;
  private static byte[] clean;
  private static byte[] checkpoint;

  @BeforeContainer
  static void writeLog() throws Exception {
    dir = Files.createTempDirectory("sigchain-checkpoint-fuzz");
    chain = Entries.chain(STORE, ALICE, null, 12);
    Path f = dir.resolve("clean.log");
    try (SigChainLog log = SigChainLog.open(f, STORE, ALICE.id())) {
      log.append(chain.subList(0, 4));
      log.append(chain.subList(4, 9));
      log.append(chain.subList(9, 12));
    }
    clean = Files.readAllBytes(f);
    checkpoint = Files.readAllBytes(VerifiedCheckpoint.fileOf(f));
  }

  @AfterContainer
  static void cleanUp() throws Exception {
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  /** The entries open finds in {@code f} and the file's bytes afterwards; empty if it fails. */
  private static Optional<List<SignedEntry>> openAll(Path f) throws Exception {
    try (SigChainLog log = SigChainLog.open(f, STORE, ALICE.id())) {
      return Optional.of(log.entriesAfter(0).toList());
    } catch (KvException e) {
      return Optional.empty();
    }
  }

  @Property(tries = 300)
  void aDamagedLogOpensAsIfThereWereNoCheckpoint(@ForAll long seed) throws Exception {
    byte[] damaged = Mutations.mutate(new Random(seed), clean.clone());
    Path with = dir.resolve("with-" + Long.toHexString(seed) + ".log");
    Path without = dir.resolve("without-" + Long.toHexString(seed) + ".log");
    Files.write(with, damaged);
    Files.write(VerifiedCheckpoint.fileOf(with), checkpoint);
    Files.write(without, damaged);
    try {
      Optional<List<SignedEntry>> a = openAll(with);
      Optional<List<SignedEntry>> b = openAll(without);
      assertEquals(b, a);
      assertArrayEquals(Files.readAllBytes(without), Files.readAllBytes(with));
      a.ifPresent(got -> assertEquals(chain.subList(0, got.size()), got));
    } finally {
      Files.deleteIfExists(with);
      Files.deleteIfExists(without);
      Files.deleteIfExists(VerifiedCheckpoint.fileOf(with));
      Files.deleteIfExists(VerifiedCheckpoint.fileOf(without));
    }
  }

  @Property(tries = 300)
  void aDamagedCheckpointIsIgnored(@ForAll long seed) throws Exception {
    byte[] bad = Mutations.mutate(new Random(seed), checkpoint.clone());
    VerifiedCheckpoint.decode(bad); // never throws
    Path f = dir.resolve("log-" + Long.toHexString(seed) + ".log");
    Files.write(f, clean);
    Files.write(VerifiedCheckpoint.fileOf(f), bad);
    try (SigChainLog log = SigChainLog.open(f, STORE, ALICE.id())) {
      assertEquals(chain, log.entriesAfter(0).toList());
      assertTrue(
          log.signaturesVerifiedOnOpen() == 0 || log.signaturesVerifiedOnOpen() == chain.size(),
          "all or nothing for an intact log: " + log.signaturesVerifiedOnOpen());
      if (!Arrays.equals(bad, checkpoint)) {
        assertEquals(chain.size(), log.signaturesVerifiedOnOpen(), "a changed checkpoint");
      }
    } finally {
      Files.deleteIfExists(f);
    }
    assertArrayEquals(checkpoint, Files.readAllBytes(VerifiedCheckpoint.fileOf(f)));
    Files.delete(VerifiedCheckpoint.fileOf(f));
  }
}
