package org.latticefs.fs.fuse.libfuse;

import java.util.List;

/**
 * How {@link LibfuseMount} mounts: libfuse's arguments, the worker limit, and {@code nopath}.
 *
 * @param args libfuse arguments as on a command line without the mount point: {@code -o} option
 *     lists ({@code ["-o", "big_writes,use_ino,fsname=lattice"]}) and {@code -d} (debug output on
 *     stderr). Mount options and library options may be mixed; libfuse rejects unknown ones (its
 *     message goes to stderr, and the mount fails). {@code -f}, {@code -s} and {@code -m} belong to
 *     {@code fuse_main}, which this binding does not use: the binding always runs in the
 *     foreground, and threads are {@code maxWorkers}.
 * @param maxWorkers the most threads serving requests at once (at least 1). Workers start on
 *     demand, one more whenever all are busy, and then stay until unmount.
 * @param nopath sets {@code flag_nopath}: operations on an open file ({@code read}, {@code write},
 *     {@code flush}, {@code release}, {@code fsync}, {@code fgetattr}, {@code ftruncate}, {@code
 *     readdir}, …) get a null path and only the handle, sparing libfuse the path lookup per call.
 */
public record MountOptions(List<String> args, int maxWorkers, boolean nopath) {
  /** Default worker limit: enough for requests that wait on a disk or a peer. */
  public static final int DEFAULT_MAX_WORKERS = 32;

  public MountOptions {
    args = List.copyOf(args);
    if (maxWorkers < 1) {
      throw new IllegalArgumentException("maxWorkers must be at least 1, not " + maxWorkers);
    }
    for (String a : args) {
      if (a.equals("-f") || a.equals("-s") || a.equals("-m")) {
        throw new IllegalArgumentException(
            a + " is fuse_main's option; the binding runs in the foreground with maxWorkers");
      }
    }
  }

  /** {@code -o options} (comma-separated), the default worker limit, paths for every operation. */
  public static MountOptions of(String options) {
    return new MountOptions(
        options.isEmpty() ? List.of() : List.of("-o", options), DEFAULT_MAX_WORKERS, false);
  }

  public MountOptions withMaxWorkers(int n) {
    return new MountOptions(args, n, nopath);
  }

  public MountOptions withNopath(boolean on) {
    return new MountOptions(args, maxWorkers, on);
  }
}
