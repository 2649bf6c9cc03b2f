package org.latticefs.node.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import org.latticefs.node.NodeApi;

/**
 * Waits for a pin the daemon is walking to finish, drawing a one-line progress (blobs and bytes
 * found or fetched) on stderr when it is a terminal; nothing with {@code --json}.
 */
final class PinProgress {
  private static final long POLL_MILLIS = 200;

  private PinProgress() {}

  /** The pin's row once its walk is done ({@code complete}, {@code incomplete}, {@code failed}). */
  static Map<String, Object> await(NodeApi node, Map<String, Object> pin, boolean human, Cli cli)
      throws IOException, InterruptedException {
    boolean bar = human && cli.terminal();
    PrintWriter err = cli.err();
    Map<String, Object> now = pin;
    while (running(now)) {
      if (bar) {
        err.print(
            String.format(
                Locale.ROOT,
                "\rpinning: %,d blobs, %s (%s fetched)   ",
                Math.max(0, GcCommand.num(now, "blobs")),
                StatusCommand.human(Math.max(0, GcCommand.num(now, "bytes"))),
                StatusCommand.human(GcCommand.num(now, "fetched_bytes"))));
        err.flush();
      }
      Thread.sleep(POLL_MILLIS);
      Map<String, Object> next = null;
      for (Map<String, Object> p : node.pins()) {
        if (p.get("target").equals(pin.get("target"))) {
          next = p;
        }
      }
      if (next == null) {
        break; // unpinned meanwhile
      }
      now = next;
    }
    if (bar) {
      err.print("\r" + " ".repeat(60) + "\r");
      err.flush();
    }
    return now;
  }

  private static boolean running(Map<String, Object> p) {
    Object phase = p.get("phase");
    return "queued".equals(phase) || "walking".equals(phase);
  }
}
