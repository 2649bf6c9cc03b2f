package org.latticefs.bench.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The small-file workload of the filesystem benchmarks: {@code files} files of 1 KiB written with
 * {@code Files.write(..., CREATE_NEW)} in a fresh directory, then each {@code stat}ed once.
 */
public final class SmallFiles {
  /** Rates of one run, files per second. */
  public record Rates(double creates, double stats, double createAndStat) {}

  private SmallFiles() {}

  /** Runs the workload in {@code dir} (which must not exist; it is created). */
  public static Rates run(Path dir, int files) throws IOException {
    Files.createDirectory(dir);
    byte[] content = new byte[1024];
    long start = System.nanoTime();
    for (int i = 0; i < files; i++) {
      Files.write(
          dir.resolve("f" + i), content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
    long created = System.nanoTime();
    for (int i = 0; i < files; i++) {
      Files.readAttributes(dir.resolve("f" + i), BasicFileAttributes.class);
    }
    long end = System.nanoTime();
    return new Rates(
        files / ((created - start) / 1e9),
        files / ((end - created) / 1e9),
        files / ((end - start) / 1e9));
  }
}
