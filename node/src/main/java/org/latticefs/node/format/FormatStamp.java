package org.latticefs.node.format;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.util.OptionalInt;
import java.util.Properties;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.DataDirException;

/**
 * The data directory's format stamp: the file {@code FORMAT} in it, a Java properties text with one
 * key, {@code format=N}. Written atomically (a crash leaves the old stamp or the new one), 0600.
 *
 * <p>A missing file is "not stamped" (a data directory made before stamps existed, or a fresh one).
 * A file that is not a stamp (over {@value #MAX_BYTES} bytes, not UTF-8, no {@code format} key, not
 * a positive integer) is refused, never rewritten: it may come from a newer build.
 */
public final class FormatStamp {
  /** The most bytes of {@code FORMAT} read. */
  public static final int MAX_BYTES = 4096;

  private FormatStamp() {}

  /** The stamped version, or empty if {@code FORMAT} does not exist. */
  public static OptionalInt read(DataDir dir) throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(dir.format(), LinkOption.NOFOLLOW_LINKS)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      return OptionalInt.empty();
    }
    if (bytes.length > MAX_BYTES) {
      throw damaged(dir, "it is longer than " + MAX_BYTES + " bytes");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw damaged(dir, "it is not UTF-8 text");
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IllegalArgumentException e) {
      throw damaged(dir, e.getMessage());
    }
    String v = p.getProperty("format");
    if (v == null) {
      throw damaged(dir, "it has no 'format' line");
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 1) {
        throw damaged(dir, "format " + n + " is not a version");
      }
      return OptionalInt.of(n);
    } catch (NumberFormatException e) {
      throw damaged(dir, "'" + v.trim() + "' is not a version number");
    }
  }

  /** Atomically stamps {@code dir} with {@code version}. */
  public static void write(DataDir dir, int version) throws IOException {
    String text =
        "# The format of this lattice-fs data directory; written by lattice-fs, do not edit.\n"
            + "format="
            + version
            + "\n";
    AtomicFile.write(dir.format(), text.getBytes(StandardCharsets.UTF_8));
  }

  private static DataDirException damaged(DataDir dir, String why) {
    return new DataDirException(
        dir.format()
            + " is not a format stamp ("
            + why
            + "); it should hold one line 'format=N'. It may have been written by another program"
            + " or a newer lattice-fs: restore it, or check which build made this data directory");
  }
}
