package org.latticefs.bench.node;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The daemon's resident memory (RSS) in the three cases issue 10 (item 15) measured, each with a
 * fresh daemon started by {@code ./lattice-fs mount --daemon} (so with the JVM options users get):
 *
 * <ol>
 *   <li>reading N small files (default 16,000 of 4 KiB in 16 folders) written by an earlier daemon;
 *   <li>listing one folder of M files (default 100,000) written by an earlier daemon, with {@code
 *       ls -f};
 *   <li>copying a file of S MiB (default 2,048) into the mount with {@code cp}.
 * </ol>
 *
 * For each: VmHWM (peak RSS of the daemon during the case), VmRSS right after, and VmRSS after
 * {@code idle} seconds without work (default 60: the daemon's G1 runs a periodic collection every
 * minute when idle and gives the free heap back). Goal: under 512 MiB in each case.
 *
 * <p>Run as root with FUSE, after building the jar, from the repository root:
 *
 * <pre>
 * ./lattice-fs --version &amp;&amp; bench/run RssBench [files] [folderFiles] [copyMiB] [idleSeconds] [workDir]
 * </pre>
 *
 * {@code workDir} (default {@code /var/tmp/lattice-rss}) holds the data directory, the mount point
 * and the source file; it is deleted afterwards. A config.properties in {@code workDir} is used for
 * the daemon (memory.heap and friends), so settings can be compared.
 */
public final class RssBench {
  private final Path launcher = Path.of("lattice-fs").toAbsolutePath();
  private final Path work;
  private final Path home;
  private final Path mnt;

  private RssBench(Path work) {
    this.work = work;
    this.home = work.resolve("home");
    this.mnt = work.resolve("mnt");
  }

  public static void main(String[] args) throws Exception {
    int files = args.length > 0 ? Integer.parseInt(args[0]) : 16_000;
    int folderFiles = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int copyMib = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
    int idle = args.length > 3 ? Integer.parseInt(args[3]) : 60;
    Path work = Path.of(args.length > 4 ? args[4] : "/var/tmp/lattice-rss");
    RssBench b = new RssBench(work);
    System.out.printf(
        "%-44s %12s %12s %14s%n", "case", "peak MiB", "after MiB", "idle " + idle + "s MiB");
    try {
      b.readSmallFiles(files, idle);
      b.listFolder(folderFiles, idle);
      b.copyLargeFile(copyMib, idle);
    } finally {
      b.unmountQuietly();
      deleteTree(work);
    }
  }

  private void readSmallFiles(int n, int idle) throws Exception {
    fresh();
    long pid = mount();
    byte[] content = new byte[4096];
    new Random(1).nextBytes(content);
    for (int i = 0; i < n; i++) {
      Path dir = mnt.resolve("bench/d" + (i % 16));
      if (i < 16) {
        Files.createDirectories(dir);
      }
      Files.write(dir.resolve("f" + i), content);
    }
    unmount(pid);
    pid = mount();
    try (Stream<Path> s = Files.walk(mnt.resolve("bench"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p)) {
          Files.readAllBytes(p);
        }
      }
    }
    report("read " + n + " files of 4 KiB", pid, idle);
    unmount(pid);
  }

  private void listFolder(int n, int idle) throws Exception {
    fresh();
    long pid = mount();
    Path dir = Files.createDirectories(mnt.resolve("bench/big"));
    for (int i = 0; i < n; i++) {
      Files.createFile(dir.resolve("file-with-a-longish-name-" + i));
    }
    unmount(pid);
    pid = mount();
    Process ls =
        new ProcessBuilder("ls", "-f", dir.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!ls.waitFor(30, TimeUnit.MINUTES) || ls.exitValue() != 0) {
      throw new IOException("ls -f failed");
    }
    report("ls -f of a folder of " + n + " files", pid, idle);
    unmount(pid);
  }

  private void copyLargeFile(int mib, int idle) throws Exception {
    fresh();
    Path src = work.resolve("src.bin");
    byte[] buf = new byte[1 << 20];
    Random r = new Random(2);
    try (OutputStream out = Files.newOutputStream(src)) {
      for (int i = 0; i < mib; i++) {
        r.nextBytes(buf);
        out.write(buf);
      }
    }
    long pid = mount();
    Files.createDirectories(mnt.resolve("bench"));
    run("cp", src.toString(), mnt.resolve("bench/copy.bin").toString());
    report("cp of a " + mib + " MiB file", pid, idle);
    unmount(pid);
    Files.delete(src);
  }

  private void report(String what, long pid, int idle) throws Exception {
    long peak = statusKib(pid, "VmHWM");
    long after = statusKib(pid, "VmRSS");
    Thread.sleep(idle * 1000L);
    long rested = statusKib(pid, "VmRSS");
    System.out.printf(
        "%-44s %12.0f %12.0f %14.0f%n", what, peak / 1024.0, after / 1024.0, rested / 1024.0);
  }

  private static long statusKib(long pid, String field) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith(field + ":")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException(field + " missing for pid " + pid);
  }

  private void fresh() throws IOException {
    unmountQuietly();
    deleteTree(home);
    Files.createDirectories(work);
    Files.createDirectory(
        home,
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    Path config = work.resolve("config.properties");
    if (Files.exists(config)) {
      Files.copy(config, home.resolve("config.properties"));
    }
  }

  private long mount() throws Exception {
    return Long.parseLong(
        run(launcher.toString(), "--home", home.toString(), "mount", "--daemon", mnt.toString())
            .trim());
  }

  private void unmount(long pid) throws Exception {
    run(launcher.toString(), "--home", home.toString(), "unmount", mnt.toString());
    ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
  }

  private void unmountQuietly() {
    try {
      if (Files.exists(home.resolve("control.sock"))) {
        run(launcher.toString(), "--home", home.toString(), "unmount", mnt.toString());
      }
    } catch (Exception e) {
      System.err.println("unmount: " + e.getMessage());
    }
  }

  private static String run(String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("LATTICE_NO_BUILD", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed");
    }
    return out;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    List<Path> all = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.forEach(all::add);
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      Files.deleteIfExists(all.get(i));
    }
  }
}
