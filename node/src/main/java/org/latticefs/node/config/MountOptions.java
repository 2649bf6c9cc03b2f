package org.latticefs.node.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The extra FUSE mount options of {@code mount.options}, parsed and checked before a mount is
 * tried: a comma-separated list where empty items are dropped ({@code ,,,} is no option at all),
 * every option must be one this build knows ({@link #FLAGS}, {@link #WIDENING}, {@link #VALUED}),
 * and values must be well formed. Anything else is an {@link IllegalArgumentException} saying which
 * option and why, so a typo never reaches libfuse ("fuse: unknown option").
 *
 * <p>Options that widen who may reach the files ({@link #WIDENING}: {@code allow_other}, {@code
 * allow_root}, {@code suid}, {@code dev}) are accepted; {@link #warnings} says what each one opens,
 * for the log and the terminal. Options that would override what Lattice stores or sets itself
 * ({@code umask}, {@code uid}, {@code gid}, {@code fsname}, {@code subtype}) or that libfuse2 lacks
 * are refused with the reason.
 */
public record MountOptions(List<String> options) {
  /** Options without a value that change nothing about who may reach the files. */
  public static final Set<String> FLAGS =
      Set.of(
          "ro",
          "rw",
          "noexec",
          "exec",
          "nosuid",
          "nodev",
          "sync",
          "async",
          "dirsync",
          "atime",
          "noatime",
          "relatime",
          "norelatime",
          "strictatime",
          "nodiratime",
          "kernel_cache",
          "auto_cache",
          "noauto_cache",
          "big_writes",
          "large_read",
          "direct_io",
          "async_read",
          "sync_read",
          "intr",
          "default_permissions",
          "use_ino",
          "readdir_ino",
          "splice_read",
          "splice_write",
          "splice_move",
          "no_splice_read",
          "no_splice_write",
          "no_splice_move",
          "auto_unmount",
          "nonempty");

  /** Options accepted with a warning: each lets more users, or more privileges, in. */
  public static final Map<String, String> WIDENING =
      Map.of(
          "allow_other",
          "every local user can reach the mount (file modes still apply: default_permissions)",
          "allow_root",
          "root can reach the mount",
          "suid",
          "set-user-ID and set-group-ID programs stored in Lattice run with their owner's"
              + " privileges",
          "dev",
          "device files stored in Lattice give access to the devices they name");

  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,10}");
  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9})?");

  /** Options of the form {@code name=value}, each with the values it takes. */
  public static final Map<String, Predicate<String>> VALUED =
      Map.of(
          "max_read", NUMBER.asMatchPredicate(),
          "max_write", NUMBER.asMatchPredicate(),
          "max_readahead", NUMBER.asMatchPredicate(),
          "max_background", NUMBER.asMatchPredicate(),
          "congestion_threshold", NUMBER.asMatchPredicate(),
          "entry_timeout", SECONDS.asMatchPredicate(),
          "negative_timeout", SECONDS.asMatchPredicate(),
          "attr_timeout", SECONDS.asMatchPredicate(),
          "ac_attr_timeout", SECONDS.asMatchPredicate());

  private static final Map<String, String> REFUSED =
      Map.of(
          "umask", "it would override the file modes Lattice stores",
          "uid", "it would override the file owners Lattice stores",
          "gid", "it would override the file groups Lattice stores",
          "fsname", "Lattice sets it",
          "subtype", "Lattice sets it",
          "writeback_cache", "libfuse2, which Lattice mounts with, has no writeback cache",
          "nopath", "Lattice's filesystem needs paths",
          "modules", "FUSE modules would rewrite names or paths behind Lattice's back");

  public MountOptions {
    options = List.copyOf(options);
  }

  /** No extra options. */
  public static final MountOptions NONE = new MountOptions(List.of());

  /**
   * Parses {@code text} (null or blank: none).
   *
   * @throws IllegalArgumentException naming the first option that is unknown, refused or malformed
   */
  public static MountOptions parse(String text) {
    if (text == null) {
      return NONE;
    }
    List<String> out = new ArrayList<>();
    for (String item : text.split(",", -1)) {
      String o = item.strip();
      if (o.isEmpty()) {
        continue;
      }
      check(o);
      out.add(o);
    }
    return new MountOptions(out);
  }

  private static void check(String o) {
    int eq = o.indexOf('=');
    String name = eq < 0 ? o : o.substring(0, eq);
    String reason = REFUSED.get(name);
    if (reason != null) {
      throw new IllegalArgumentException("mount option '" + o + "' is not supported: " + reason);
    }
    if (eq < 0 && (FLAGS.contains(name) || WIDENING.containsKey(name))) {
      return;
    }
    Predicate<String> valid = VALUED.get(name);
    if (valid != null) {
      if (eq < 0 || !valid.test(o.substring(eq + 1))) {
        throw new IllegalArgumentException(
            "mount option '"
                + o
                + "' needs a value: "
                + name
                + (name.endsWith("timeout") ? "=SECONDS (e.g. 1.5)" : "=NUMBER"));
      }
      return;
    }
    if (FLAGS.contains(name) || WIDENING.containsKey(name)) {
      throw new IllegalArgumentException("mount option '" + name + "' takes no value: '" + o + "'");
    }
    throw new IllegalArgumentException(
        "unknown mount option '"
            + o
            + "' (known: "
            + String.join(", ", new java.util.TreeSet<>(known()))
            + ")");
  }

  private static Set<String> known() {
    Set<String> all = new java.util.HashSet<>(FLAGS);
    all.addAll(WIDENING.keySet());
    VALUED.keySet().forEach(k -> all.add(k + "=N"));
    return all;
  }

  public boolean isEmpty() {
    return options.isEmpty();
  }

  /** The options as one comma-separated {@code -o} argument ("" if none). */
  public String joined() {
    return String.join(",", options);
  }

  /** One line per option that widens access, saying what it opens. */
  public List<String> warnings() {
    List<String> out = new ArrayList<>();
    for (String o : options) {
      String what = WIDENING.get(o);
      if (what != null) {
        out.add("mount option " + o + " widens access: " + what);
      }
    }
    return out;
  }
}
