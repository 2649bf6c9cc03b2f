package org.latticefs.fs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel has mounted, read from {@code /proc/self/mountinfo}; whether a FUSE mount's
 * daemon is gone; how to take a mount down with {@code fusermount}. The one place that knows this,
 * for {@link FuseMount} and the node's daemon and CLI alike.
 */
public final class Mounts {
  private static final SecureRandom PROBES = new SecureRandom();

  private Mounts() {}

  /** One line of mountinfo: where, what type, from what source. */
  public record MountEntry(Path mountpoint, String fsType, String source) {
    public boolean isFuse() {
      return fsType.equals("fuse") || fsType.startsWith("fuse.");
    }
  }

  /** Every current mount, in mountinfo order. */
  public static List<MountEntry> list() throws IOException {
    return parse(Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8));
  }

  /** The mount at exactly {@code dir} (the last one, if stacked). */
  public static Optional<MountEntry> at(Path dir) throws IOException {
    Path p = dir.toAbsolutePath().normalize();
    MountEntry found = null;
    for (MountEntry e : list()) {
      if (e.mountpoint().equals(p)) {
        found = e;
      }
    }
    return Optional.ofNullable(found);
  }

  static List<MountEntry> parse(List<String> lines) {
    List<MountEntry> out = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split(" ");
      int dash = -1;
      for (int i = 6; i < f.length; i++) {
        if (f[i].equals("-")) {
          dash = i;
          break;
        }
      }
      if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
        continue;
      }
      out.add(new MountEntry(Path.of(unescape(f[4])), f[dash + 1], unescape(f[dash + 2])));
    }
    return out;
  }

  /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '7') {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code dir} is a FUSE mount whose daemon is gone: listed in mountinfo, but the kernel
   * answers "Transport endpoint is not connected" (ENOTCONN).
   *
   * <p>The probe looks up a name nobody has looked up before: the kernel may answer a stat of the
   * mount root (or of any name it saw recently) from its attribute and entry caches without asking
   * the daemon, so only a fresh name is sure to reach it. A live daemon answers ENOENT.
   */
  public static boolean isDeadFuseMount(Path dir) throws IOException {
    Optional<MountEntry> m = at(dir);
    if (m.isEmpty() || !m.get().isFuse()) {
      return false;
    }
    Path probe =
        dir.resolve(".lattice-probe-" + Long.toHexString(PROBES.nextLong() & Long.MAX_VALUE));
    try {
      Files.readAttributes(probe, "basic:size", LinkOption.NOFOLLOW_LINKS);
      return false;
    } catch (IOException e) {
      String msg = String.valueOf(e.getMessage());
      return msg.contains("not connected") || msg.contains("ENOTCONN");
    }
  }

  /**
   * Unmounts the FUSE mount at {@code dir} with {@code fusermount -u} ({@code lazy}: {@code -z}),
   * waiting for it to finish; returns true once the mount is gone.
   */
  public static boolean fusermountUnmount(Path dir, boolean lazy) throws IOException {
    for (String tool : new String[] {"fusermount", "fusermount3"}) {
      List<String> cmd = new ArrayList<>(List.of(tool, "-u"));
      if (lazy) {
        cmd.add("-z");
      }
      cmd.add(dir.toAbsolutePath().normalize().toString());
      Process p;
      try {
        p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      } catch (IOException notInstalled) {
        continue;
      }
      try {
        p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while unmounting " + dir, e);
      }
      if (at(dir).isEmpty()) {
        return true;
      }
    }
    return at(dir).isEmpty();
  }
}
