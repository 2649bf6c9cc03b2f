package org.latticefs.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.latticefs.fs.fuse.FuseMount;

/**
 * Runs the programs and system steps benchmarks share: external commands, cache drops, bindfs
 * mounts, child processes that mount a filesystem, and clean-up of their directories.
 */
public final class Shell {
  /** bindfs's mount options in every comparison (the counterparts of Lattice's defaults). */
  public static final String BINDFS_OPTIONS = "big_writes,auto_cache,use_ino";

  private static final long MOUNT_DEADLINE_NANOS = 10_000_000_000L;

  private Shell() {}

  /** Runs {@code cmd} and returns its output (stdout and stderr); a non-zero exit throws. */
  public static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  /** {@code sync}, then empties the page cache, dentries and inodes (needs root). */
  public static void dropCaches() throws IOException, InterruptedException {
    run("sync");
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
  }

  /** The machine's load averages, for the log of a round ({@code ?} if unreadable). */
  public static String loadavg() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  /** Waits until the kernel lists {@code mnt} as mounted; throws after 10 s. */
  public static void awaitMounted(Path mnt) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + MOUNT_DEADLINE_NANOS;
    while (!FuseMount.isMounted(mnt)) {
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(mnt + " did not mount within 10 s");
      }
      Thread.sleep(10);
    }
  }

  /** Mounts {@code src} at {@code mnt} with bindfs ({@link #BINDFS_OPTIONS} plus {@code extra}). */
  public static void bindfs(Path src, Path mnt, String extra)
      throws IOException, InterruptedException {
    String options = extra.isEmpty() ? BINDFS_OPTIONS : BINDFS_OPTIONS + "," + extra;
    run("bindfs", "-o", options, src.toString(), mnt.toString());
    awaitMounted(mnt);
  }

  /** {@code fusermount -u MNT}, waited for. */
  public static void unmount(Path mnt) throws IOException, InterruptedException {
    run("fusermount", "-u", mnt.toString());
  }

  /** Deletes {@code p} and everything below it, if it exists. */
  public static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
