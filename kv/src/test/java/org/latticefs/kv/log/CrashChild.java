package org.latticefs.kv.log;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.UUID;
import org.latticefs.kv.Identity;

/**
 * The child JVM of {@link SigChainLogCrashTest}: opens a log, then appends single-op entries in a
 * loop (sometimes batches), printing {@code acked SEQ} after each append returns, until killed.
 *
 * <p>Arguments: log file, store UUID, identity seed, batch seed.
 */
public final class CrashChild {
  private CrashChild() {}

  static Identity identity(long seed) {
    return Identity.generate(new Random(seed));
  }

  static String key(long seq) {
    return "/crash/" + seq;
  }

  static String value(long seq) {
    return "value of entry " + seq;
  }

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    UUID store = UUID.fromString(args[1]);
    Identity id = identity(Long.parseLong(args[2]));
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[3]));
    PrintStream out = System.out;
    try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
      SignedEntry prev = log.tip().isPresent() ? log.get(log.size()).orElseThrow() : null;
      out.println("ready " + log.size());
      out.flush();
      while (true) {
        int n = random.nextInt(4) == 0 ? 1 + random.nextInt(64) : 1;
        List<SignedEntry> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          long seq = prev == null ? 1 : prev.entry().seq() + 1;
          prev = Entries.next(store, id, prev, key(seq), value(seq));
          batch.add(prev);
        }
        log.append(batch);
        out.println("acked " + prev.entry().seq());
        out.flush();
      }
    }
  }
}
