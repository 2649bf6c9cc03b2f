package org.latticefs.bench.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.latticefs.bench.Shell;

/**
 * An OpenSSH server (Debian's {@code openssh-server}, {@code /usr/sbin/sshd}) on a free 127.0.0.1
 * port, for comparing transfers with {@code scp} and {@code rsync}: a host key, a client key and a
 * config generated in {@code dir}, nothing of the system's ssh setup used or changed. {@link
 * #close} stops it. Needs root (it logs in as root with the generated key).
 */
final class LoopbackSshd implements AutoCloseable {
  private static final String SSHD = "/usr/sbin/sshd";

  private final Path dir;
  private final int port;
  private final Process process;

  private LoopbackSshd(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /** Starts sshd with keys and config in {@code dir}; throws if it is not installed or fails. */
  static LoopbackSshd start(Path dir) throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of(SSHD))) {
      throw new IOException(SSHD + " missing: apt-get install openssh-server");
    }
    Files.createDirectories(dir);
    Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
    Shell.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host").toString());
    Shell.run(
        "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("client").toString());
    Files.copy(dir.resolve("client.pub"), dir.resolve("authorized_keys"));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("sshd_config");
    Files.writeString(
        config,
        String.join(
            "\n",
            "Port " + port,
            "ListenAddress 127.0.0.1",
            "HostKey " + dir.resolve("host"),
            "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
            "PidFile " + dir.resolve("sshd.pid"),
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "Subsystem sftp internal-sftp",
            ""));
    Process p =
        new ProcessBuilder(SSHD, "-D", "-e", "-f", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("sshd.log").toFile())
            .start();
    LoopbackSshd sshd = new LoopbackSshd(dir, port, p);
    for (int i = 0; i < 100; i++) {
      try {
        Shell.run(sshd.ssh("true").toArray(String[]::new));
        return sshd;
      } catch (IOException e) {
        if (!p.isAlive()) {
          throw new IOException("sshd exited: " + Files.readString(dir.resolve("sshd.log")), e);
        }
        Thread.sleep(100);
      }
    }
    sshd.close();
    throw new IOException("sshd did not accept a login within 10 s");
  }

  private List<String> options() {
    return List.of(
        "-i",
        dir.resolve("client").toString(),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR");
  }

  /** {@code ssh} to this server running {@code command}. */
  List<String> ssh(String command) {
    List<String> cmd = new java.util.ArrayList<>(List.of("ssh", "-p", Integer.toString(port)));
    cmd.addAll(options());
    cmd.add("root@127.0.0.1");
    cmd.add(command);
    return cmd;
  }

  /** {@code scp} of {@code from} to {@code to} on this server. */
  List<String> scp(Path from, Path to) {
    List<String> cmd =
        new java.util.ArrayList<>(List.of("scp", "-q", "-P", Integer.toString(port)));
    cmd.addAll(options());
    cmd.add(from.toString());
    cmd.add("root@127.0.0.1:" + to);
    return cmd;
  }

  /** {@code rsync} over ssh of {@code from} to {@code to} on this server (whole file). */
  List<String> rsync(Path from, Path to) {
    return List.of(
        "rsync",
        "--whole-file",
        "-e",
        "ssh -p " + port + " " + String.join(" ", options()),
        from.toString(),
        "root@127.0.0.1:" + to);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
