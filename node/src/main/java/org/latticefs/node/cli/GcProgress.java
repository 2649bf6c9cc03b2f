package org.latticefs.node.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import org.latticefs.node.NodeApi;

/**
 * Starts a garbage collection job and waits for it, drawing a one-line progress bar on stderr when
 * it is a terminal (nothing with {@code --json} or when output goes to a program).
 */
final class GcProgress {
  private static final long POLL_MILLIS = 200;
  private static final int WIDTH = 30;

  private GcProgress() {}

  static NodeApi.GcJob await(NodeApi node, String kind, boolean human, Cli cli)
      throws IOException, InterruptedException {
    return await(node.startGc(kind), node::gcJob, human, cli);
  }

  /** Reads a job's progress. */
  interface JobPoll {
    NodeApi.GcJob poll(String id) throws IOException;
  }

  /** Waits for job {@code id} (a gc or fsck job), drawing the bar as above. */
  static NodeApi.GcJob await(String id, JobPoll poll, boolean human, Cli cli)
      throws IOException, InterruptedException {
    boolean bar = human && cli.terminal();
    PrintWriter err = cli.err();
    while (true) {
      NodeApi.GcJob j = poll.poll(id);
      if (!j.state().equals("running")) {
        if (bar) {
          err.print("\r" + " ".repeat(WIDTH + 40) + "\r");
          err.flush();
        }
        return j;
      }
      if (bar) {
        err.print("\r" + line(j));
        err.flush();
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  static String line(NodeApi.GcJob j) {
    if (j.total() <= 0) {
      return String.format(Locale.ROOT, "%-6s %,d roots marked", j.phase(), j.done());
    }
    double f = Math.min(1.0, (double) j.done() / j.total());
    int filled = (int) (f * WIDTH);
    return String.format(
        Locale.ROOT,
        "%-6s [%s%s] %3d%% %,d " + (j.phase().equals("scrub") ? "bytes" : "blobs"),
        j.phase(),
        "#".repeat(filled),
        " ".repeat(WIDTH - filled),
        (int) (f * 100),
        j.done());
  }
}
