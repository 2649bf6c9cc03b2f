package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;

/**
 * Opens randomly damaged log files: open either fails with a {@link KvException} (file untouched)
 * or yields a prefix of the original chain, with the file cut back to that prefix's frames.
 */
class SigChainLogFuzzTest {
  private static final UUID STORE = new UUID(5, 6);
  private static final Identity ALICE = Identity.generate(new Random(21));
  private static Path dir;
  private static List<SignedEntry> chain;
  private static byte[] clean;

  @BeforeContainer
  static void writeLog() throws Exception {
    dir = Files.createTempDirectory("sigchain-fuzz");
    chain = Entries.chain(STORE, ALICE, null, 12);
    Path f = dir.resolve("clean.log");
    try (SigChainLog log = SigChainLog.open(f, STORE, ALICE.id())) {
      log.append(chain.subList(0, 4));
      log.append(chain.subList(4, 9));
      log.append(chain.subList(9, 12));
    }
    clean = Files.readAllBytes(f);
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

  @Property(tries = 400)
  void damagedLogsOpenToAPrefixOrFailCleanly(@ForAll long seed) throws Exception {
    Random r = new Random(seed);
    byte[] damaged = Mutations.mutate(r, clean.clone());
    Path f = dir.resolve("damaged-" + Long.toHexString(seed) + ".log");
    Files.write(f, damaged);
    try {
      SigChainLog log;
      try {
        log = SigChainLog.open(f, STORE, ALICE.id());
      } catch (KvException e) {
        assertTrue(Arrays.equals(damaged, Files.readAllBytes(f)), "a failed open must not write");
        return;
      }
      try (log) {
        List<SignedEntry> got = log.entriesAfter(0).toList();
        assertEquals(chain.subList(0, got.size()), got);
        long frames = SigChainLog.HEADER_BYTES;
        for (SignedEntry s : got) {
          frames += SigChainLog.FRAME_OVERHEAD + s.wireLength();
        }
        assertEquals(frames, Files.size(f));
        assertTrue(Arrays.equals(Arrays.copyOf(clean, (int) frames), Files.readAllBytes(f)));
      }
    } finally {
      Files.deleteIfExists(f);
    }
  }
}
