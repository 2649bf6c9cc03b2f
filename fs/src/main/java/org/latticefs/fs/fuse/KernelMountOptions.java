package org.latticefs.fs.fuse;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.latticefs.fs.fuse.kernel.KernelOptions;
import org.latticefs.fs.fuse.kernel.Timeouts;

/**
 * Turns the mount's libfuse-style arguments ({@code ["-o", "big_writes,allow_other,..."]}) into the
 * direct binding's {@link KernelOptions}: options the kernel binding has anyway or that only tune
 * libfuse ({@code big_writes}, {@code use_ino}, {@code max_read}, {@code splice_read}…) are
 * accepted and ignored, the ones it supports are applied, any other is refused with its name
 * ({@link UnsupportedOptionException}; never silently dropped).
 */
final class KernelMountOptions {
  /** An option the kernel binding does not implement (the libfuse2 binding may). */
  static final class UnsupportedOptionException extends IOException {
    UnsupportedOptionException(String option) {
      super("mount option " + option + " is not supported by the kernel binding");
    }
  }

  private KernelMountOptions() {}

  static KernelOptions parse(List<String> args) throws IOException {
    boolean allowOther = false;
    boolean defaultPermissions = false;
    boolean autoInval = false;
    String fsName = "lattice";
    String subtype = "lattice";
    Duration entry = Duration.ofSeconds(1);
    Duration attr = Duration.ofSeconds(1);
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.equals("-o") || i + 1 == args.size()) {
        throw new IOException("the kernel binding takes only -o options, not " + a);
      }
      for (String o : args.get(++i).split(",")) {
        String key = o.contains("=") ? o.substring(0, o.indexOf('=')) : o;
        String value = o.contains("=") ? o.substring(o.indexOf('=') + 1) : "";
        switch (key) {
          case "",
              "big_writes",
              "use_ino",
              "readdir_ino",
              "max_read",
              "max_write",
              "max_readahead",
              "max_background",
              "congestion_threshold",
              "intr",
              "async_read",
              "large_read",
              "noauto_cache",
              "nonempty",
              "splice_read",
              "splice_write",
              "splice_move",
              "no_splice_read",
              "no_splice_write",
              "no_splice_move" -> {}
          case "allow_other" -> allowOther = true;
          case "default_permissions" -> defaultPermissions = true;
          case "auto_cache" -> autoInval = true;
          case "fsname" -> fsName = value;
          case "subtype" -> subtype = value;
          case "entry_timeout" -> entry = seconds(o, value);
          case "attr_timeout" -> attr = seconds(o, value);
          case "negative_timeout" -> {
            if (!seconds(o, value).isZero()) {
              throw new UnsupportedOptionException(o);
            }
          }
          default -> throw new UnsupportedOptionException(o);
        }
      }
    }
    KernelOptions d = KernelOptions.defaults(fsName);
    try {
      return new KernelOptions(
          d.maxWrite(),
          d.readdirplus(),
          new Timeouts(entry, attr),
          d.maxWorkers(),
          allowOther,
          defaultPermissions,
          autoInval,
          fsName,
          subtype);
    } catch (IllegalArgumentException e) {
      throw new IOException("bad mount options " + args + ": " + e.getMessage(), e);
    }
  }

  private static Duration seconds(String option, String value) throws IOException {
    try {
      double s = Double.parseDouble(value);
      if (!(s >= 0 && s < 1e6)) {
        throw new NumberFormatException();
      }
      return Duration.ofNanos((long) (s * 1e9));
    } catch (NumberFormatException e) {
      throw new IOException("mount option " + option + ": seconds expected");
    }
  }
}
