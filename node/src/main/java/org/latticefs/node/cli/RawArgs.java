package org.latticefs.node.cli;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bytes of a command-line argument as the shell passed them. Java decodes the command line with
 * the platform charset ({@code sun.jnu.encoding}), which turns every byte that is not UTF-8 into
 * U+FFFD, so {@code caf\xe9.txt} and {@code caf\xe8.txt} arrive as one string; the kernel's copy in
 * {@code /proc/self/cmdline} still holds the bytes. Linux names are bytes: a path argument is
 * looked up by them.
 */
final class RawArgs {
  private RawArgs() {}

  /**
   * The bytes of the argument that Java decoded as {@code arg}: its encoding if nothing was lost,
   * else the last command-line argument that decodes to it (arguments come after the JVM's own).
   */
  static byte[] bytes(String arg) {
    Charset cs = platformCharset();
    if (arg.indexOf('\uFFFD') < 0) {
      return arg.getBytes(cs);
    }
    try {
      byte[] cmdline = Files.readAllBytes(Path.of("/proc/self/cmdline"));
      byte[] found = null;
      int start = 0;
      for (int i = 0; i <= cmdline.length; i++) {
        if (i == cmdline.length || cmdline[i] == 0) {
          if (new String(cmdline, start, i - start, cs).equals(arg)) {
            found = java.util.Arrays.copyOfRange(cmdline, start, i);
          }
          start = i + 1;
        }
      }
      if (found != null) {
        return found;
      }
    } catch (IOException | RuntimeException notLinux) {
      // The decoded form is all there is.
    }
    return arg.getBytes(cs);
  }

  /** The charset the JVM decodes the command line and file names with. */
  static Charset platformCharset() {
    String jnu = System.getProperty("sun.jnu.encoding");
    try {
      return jnu == null ? StandardCharsets.UTF_8 : Charset.forName(jnu);
    } catch (RuntimeException e) {
      return StandardCharsets.UTF_8;
    }
  }
}
