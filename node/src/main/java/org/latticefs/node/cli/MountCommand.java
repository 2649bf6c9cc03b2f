package org.latticefs.node.cli;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.latticefs.node.Daemon;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;
import org.latticefs.node.SystemdNotify;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.DataDirModes;
import org.latticefs.node.config.JvmOptions;
import org.latticefs.node.config.Logging;
import org.latticefs.node.config.MeshSettings;
import org.latticefs.node.config.MetricsListen;
import org.latticefs.node.config.NodeConfig;
import org.latticefs.node.control.ControlClient;
import org.latticefs.node.format.DataDirFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice-fs mount DIR}: runs the node with its filesystem mounted at DIR. In the foreground
 * by default (Ctrl-C or SIGTERM unmounts cleanly and exits); {@code --daemon} starts the same in
 * the background, logging to {@code logs/daemon.log} in the data directory, waits until it is
 * mounted and prints its pid.
 */
@Command(
    name = "mount",
    description = {
      "Mount Lattice at DIR (created if missing) and serve it until Ctrl-C or SIGTERM.",
      "Creates the data directory and identity on first use.",
      "A stale mount left by a crashed run is cleaned up first."
    })
final class MountCommand extends Base {
  static final long DAEMON_START_TIMEOUT_MS = 60_000;

  @Parameters(paramLabel = "DIR", description = "Where to mount.")
  Path mountpoint;

  @Option(
      names = {"-d", "--daemon"},
      description = "Run in the background (log: $LATTICE_HOME/logs/daemon.log); print its pid.")
  boolean daemon;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT|off",
      description =
          "Where peers connect (overrides mesh.listen; default 0.0.0.0:4710), or off for nowhere.")
  String listen;

  @Option(
      names = "--metrics",
      paramLabel = "HOST:PORT",
      description =
          "Serve Prometheus metrics (/metrics) and the status page (/) here, or 'off'"
              + " (default: metrics.listen, 127.0.0.1:9347). Not loopback: readable by anyone who"
              + " can reach the port.")
  String metrics;

  @Override
  int run() throws Exception {
    DataDir dir = dataDir();
    NodeConfig config = NodeConfig.load(dir.config());
    if (listen != null) {
      try {
        config = config.withMeshListen(MeshSettings.parseListen(listen));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--listen: " + e.getMessage() + " (or: off)");
      }
    }
    if (metrics != null) {
      try {
        config = config.withMetricsListen(MetricsListen.parse(metrics));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--metrics: " + e.getMessage());
      }
    }
    Path mp = mountpoint.toAbsolutePath().normalize();
    Optional<ControlClient> running = ControlClient.connect(dir);
    if (running.isPresent()) {
      try (ControlClient c = running.get()) {
        NodeApi.Status s = c.status();
        throw new NodeException(
            "a lattice-fs daemon (pid "
                + s.pid()
                + ") already serves "
                + dir.root()
                + ", mounted at "
                + s.mountpoint());
      }
    }
    return daemon ? startInBackground(dir, config, mp) : runInForeground(dir, config, mp);
  }

  private int runInForeground(DataDir dir, NodeConfig config, Path mp) throws Exception {
    if (!root().verbose && cli().env().get("LATTICE_LOG_LEVEL") == null) {
      Logging.setLevel(config.logLevel());
    }
    // The hook is in place before anything is mounted: Ctrl-C during the start unmounts too.
    Thread[] hooks = new Thread[1];
    Daemon d =
        Daemon.start(
            dir,
            config,
            mp,
            created -> {
              hooks[0] = new Thread(created::stop, "lattice-shutdown");
              Runtime.getRuntime().addShutdownHook(hooks[0]);
            });
    Thread hook = hooks[0];
    // Under systemd (Type=notify): ready now that the mount answers and everything runs.
    SystemdNotify systemd = SystemdNotify.fromEnvironment(cli().env());
    d.onStopping(() -> systemd.stopping("unmounting " + mp));
    systemd.ready("mounted at " + mp);
    cli()
        .err()
        .println(
            "lattice-fs: mounted at "
                + mp
                + " (pid "
                + ProcessHandle.current().pid()
                + "); Ctrl-C or 'lattice-fs unmount "
                + mp
                + "' to stop");
    cli().err().flush();
    d.awaitStop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // Stopped by a signal: the JVM is already exiting.
    }
    cli().err().println("lattice-fs: unmounted " + mp);
    return LatticeCommand.OK;
  }

  private int startInBackground(DataDir dir, NodeConfig config, Path mp)
      throws IOException, InterruptedException {
    DataDirFormat.prepare(dir);
    for (String w : config.mountOptions().warnings()) {
      cli().err().println("lattice-fs: warning: " + w);
    }
    List<String> cmd = new ArrayList<>();
    if (new File("/usr/bin/setsid").canExecute()) {
      cmd.add("/usr/bin/setsid");
    }
    cmd.addAll(javaCommand(JvmOptions.forDaemon(config, cli().env())));
    cmd.add("--home");
    cmd.add(dir.root().toString());
    if (root().verbose) {
      cmd.add("-v");
    }
    cmd.add("mount");
    if (listen != null) {
      cmd.add("--listen");
      cmd.add(listen);
    }
    if (metrics != null) {
      cmd.add("--metrics");
      cmd.add(config.metricsListen().toString());
    }
    cmd.add(mp.toString());
    if (!Files.exists(dir.daemonLog())) {
      Files.createFile(dir.daemonLog(), DataDirModes.privateFile());
    }
    try {
      Files.writeString(
          dir.daemonLog(),
          "---- " + java.time.Instant.now() + " " + String.join(" ", cmd) + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      // A full disk must not keep the node from starting: deleting files is how space comes back.
      cli().err().println("lattice-fs: warning: cannot write " + dir.daemonLog() + ": " + e);
    }
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.daemonLog().toFile()))
            .redirectErrorStream(true);
    pb.environment().put("LATTICE_HOME", dir.root().toString());
    // Only a foreground mount, systemd's main process, tells systemd it is ready (Type=notify).
    pb.environment().remove("NOTIFY_SOCKET");
    // glibc gives every thread that allocates its own malloc arena (up to 8 per core); FUSE runs
    // many threads, and each arena keeps memory. Two are plenty for the JVM's own mallocs.
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    Process p = pb.start();
    long deadline = System.currentTimeMillis() + DAEMON_START_TIMEOUT_MS;
    while (System.currentTimeMillis() < deadline) {
      Optional<ControlClient> c = ControlClient.connect(dir);
      if (c.isPresent()) {
        try (ControlClient client = c.get()) {
          NodeApi.Status s = client.status();
          out().println(s.pid());
          cli()
              .err()
              .println(
                  "lattice-fs: mounted at "
                      + s.mountpoint()
                      + " (daemon pid "
                      + s.pid()
                      + ", log "
                      + dir.daemonLog()
                      + ")");
          return LatticeCommand.OK;
        } catch (IOException notYet) {
          // The socket is up but the daemon is still starting or just stopped: poll again.
        }
      }
      if (!p.isAlive()) {
        throw new NodeException(
            "the daemon exited with status "
                + p.exitValue()
                + " before mounting; its log ("
                + dir.daemonLog()
                + ") ends with:\n"
                + tail(dir.daemonLog(), 15));
      }
      Thread.sleep(100);
    }
    p.destroy();
    throw new NodeException(
        "the daemon did not come up within "
            + DAEMON_START_TIMEOUT_MS / 1000
            + " s; see "
            + dir.daemonLog());
  }

  /**
   * How to start this same program again with {@code jvmOptions}: the runnable jar, or the class
   * path in tests.
   */
  static List<String> javaCommand(List<String> jvmOptions) {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(jvmOptions);
    try {
      Path src =
          Path.of(MountCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(src) && src.toString().endsWith(".jar")) {
        cmd.add("-jar");
        cmd.add(src.toString());
        return cmd;
      }
    } catch (URISyntaxException | SecurityException e) {
      // fall back to the class path
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.latticefs.node.Main");
    return cmd;
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read: " + e.getMessage() + ")";
    }
  }
}
