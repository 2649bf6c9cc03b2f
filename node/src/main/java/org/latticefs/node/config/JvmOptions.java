package org.latticefs.node.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JVM options a daemon runs with: the heap and direct memory bounded by the config ({@code
 * memory.heap}, {@code memory.direct}; Java's own default heap is a quarter of the RAM), and G1
 * with a periodic collection when idle, so memory a burst used is given back to the system (a NAS
 * shares its RAM). {@code LATTICE_JAVA_OPTS} comes after them and wins.
 *
 * <p>{@link #main} prints them, one per line, for the {@code lattice-fs} launcher, which starts the
 * JVM of a foreground {@code mount} before any Java code runs; {@code mount --daemon} adds them to
 * the daemon's command line itself.
 */
public final class JvmOptions {
  private JvmOptions() {}

  /** The options for a daemon with config {@code c}. */
  public static List<String> forDaemon(NodeConfig c) {
    return List.of(
        "-Xms" + Math.min(32L << 20, c.heapBytes()) / 1024 + "k",
        "-Xmx" + c.heapBytes() / 1024 + "k",
        "-XX:MaxDirectMemorySize=" + c.directBytes() / 1024 + "k",
        "-XX:+UseG1GC",
        // An idle daemon runs a concurrent cycle every minute and uncommits the free heap.
        "-XX:G1PeriodicGCInterval=60000",
        "-XX:MinHeapFreeRatio=10",
        "-XX:MaxHeapFreeRatio=30");
  }

  /** The daemon's options followed by {@code LATTICE_JAVA_OPTS} from {@code env}. */
  public static List<String> forDaemon(NodeConfig c, Map<String, String> env) {
    List<String> all = new ArrayList<>(forDaemon(c));
    String extra = env.get("LATTICE_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      all.addAll(List.of(extra.trim().split("\\s+")));
    }
    return all;
  }

  /**
   * Prints {@link #forDaemon(NodeConfig)} for the data directory a {@code lattice-fs} command line
   * would use ({@code --home DIR}, else the environment). Prints nothing if the config cannot be
   * read: the command itself then reports why.
   */
  public static void main(String[] args) {
    Path home = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--")) {
        break;
      }
      if (args[i].equals("--home") && i + 1 < args.length) {
        home = Path.of(args[++i]);
      } else if (args[i].startsWith("--home=")) {
        home = Path.of(args[i].substring("--home=".length()));
      }
    }
    try {
      NodeConfig c = NodeConfig.load(DataDir.resolve(home, System.getenv()).config());
      for (String o : forDaemon(c)) {
        System.out.println(o);
      }
    } catch (IOException | RuntimeException e) {
      // The command reports a bad config itself.
    }
  }
}
