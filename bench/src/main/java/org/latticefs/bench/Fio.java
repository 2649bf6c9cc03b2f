package org.latticefs.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs fio jobs (psync, depth 1, JSON output) in a directory and reads figures from the result. */
public final class Fio {
  private Fio() {}

  /** Runs the fio job {@code job} (its {@code --name=...} and further options) in {@code dir}. */
  public static String run(Path dir, String... job) throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "fio",
                "--ioengine=psync",
                "--iodepth=1",
                "--output-format=json",
                "--directory=" + dir));
    cmd.addAll(List.of(job));
    return Shell.run(cmd.toArray(String[]::new));
  }

  /** Sequential write of {@code size} (e.g. {@code 1G}) to {@code seq.bin}, 1 MiB blocks. */
  public static String seqWrite(Path dir, String size, boolean endFsync)
      throws IOException, InterruptedException {
    return run(
        dir,
        "--name=seqwrite",
        "--rw=write",
        "--bs=1M",
        "--size=" + size,
        "--end_fsync=" + (endFsync ? 1 : 0),
        "--filename=seq.bin");
  }

  /** Sequential read of {@code seq.bin} ({@code size} of it), 1 MiB blocks: MiB/s. */
  public static double seqReadMiBs(Path dir, String size) throws IOException, InterruptedException {
    String out =
        run(dir, "--name=seqread", "--rw=read", "--bs=1M", "--size=" + size, "--filename=seq.bin");
    return field(out, "read", "bw_bytes") / (1 << 20);
  }

  /** Random 4 KiB reads of {@code seq.bin} ({@code size} of it) for {@code seconds}: IOPS. */
  public static double randReadIops(Path dir, String size, int seconds)
      throws IOException, InterruptedException {
    String out =
        run(
            dir,
            "--name=randread",
            "--rw=randread",
            "--bs=4k",
            "--size=" + size,
            "--filename=seq.bin",
            "--runtime=" + seconds,
            "--time_based",
            "--randrepeat=0");
    return field(out, "read", "iops");
  }

  /** The numeric {@code key} inside the first {@code "section" : { ... }} object of fio's JSON. */
  public static double field(String json, String section, String key) {
    Matcher m =
        Pattern.compile("\"" + section + "\"\\s*:\\s*\\{[^{}]*?\"" + key + "\"\\s*:\\s*([0-9.]+)")
            .matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + section + "." + key + " in fio output");
    }
    return Double.parseDouble(m.group(1));
  }
}
