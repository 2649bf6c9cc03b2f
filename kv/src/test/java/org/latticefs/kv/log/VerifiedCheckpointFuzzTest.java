package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
 * The checkpoint under damage: with it, a damaged log whose every entry was acknowledged opens
 * whole or not at all (never a prefix: acknowledged entries are never cut), and a damaged
 * checkpoint beside an intact log is replaced (the decoder never throws).
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
  void withItsCheckpointADamagedLogOpensWholeOrIsRefusedUntouched(@ForAll long seed)
      throws Exception {
    byte[] damaged = Mutations.mutate(new Random(seed), clean.clone());
    Path with = dir.resolve("with-" + Long.toHexString(seed) + ".log");
    Files.write(with, damaged);
    Files.write(VerifiedCheckpoint.fileOf(with), checkpoint);
    try {
      Optional<List<SignedEntry>> got = openAll(with);
      if (got.isPresent()) {
        // Every entry was acknowledged: open may only cut garbage after the last one.
        assertEquals(chain, got.get());
        assertArrayEquals(clean, Files.readAllBytes(with));
      } else {
        assertArrayEquals(damaged, Files.readAllBytes(with), "a refused open must not write");
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.filter(p -> p.getFileName().toString().startsWith("with-")).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Property(tries = 300)
  void aDamagedCheckpointBesideAnIntactLogIsReplaced(@ForAll long seed) throws Exception {
    byte[] bad = Mutations.mutate(new Random(seed), checkpoint.clone());
    VerifiedCheckpoint.decode(bad, STORE, ALICE.id()); // never throws
    Path f = dir.resolve("log-" + Long.toHexString(seed) + ".log");
    Files.write(f, clean);
    Files.write(VerifiedCheckpoint.fileOf(f), bad);
    try (SigChainLog log = SigChainLog.open(f, STORE, ALICE.id())) {
      assertEquals(chain, log.entriesAfter(0).toList());
      long verified = log.signaturesVerifiedOnOpen();
      // The older slot marks 9 entries (the second of three appends), the empty mark none.
      assertTrue(
          verified == 0 || verified == 3 || verified == chain.size(),
          "what the surviving mark did not cover: " + verified);
    }
    VerifiedCheckpoint.Reading after = VerifiedCheckpoint.read(f, STORE, ALICE.id());
    assertTrue(
        after instanceof VerifiedCheckpoint.Found found && found.mark().seq() == 12, "" + after);
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.getFileName().toString().startsWith("log-")).toList()) {
        Files.delete(p);
      }
    }
  }
}
