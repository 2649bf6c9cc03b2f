package org.latticefs.node.format;

import java.util.ArrayList;
import java.util.List;

/**
 * The data directory formats this build knows, and the steps from each to the next.
 *
 * <h2>Versions</h2>
 *
 * <ul>
 *   <li>1: every data directory made before the stamp existed (commit 9515c70 and earlier). It has
 *       no {@code FORMAT} file.
 *   <li>2: issue 10's formats (names as bytes, holes as runs, inode numbers below 2^63, the log's
 *       checkpoint). This build reads format-1 kv and blob data as it is, so its step only stamps.
 * </ul>
 *
 * <h2>Adding a step</h2>
 *
 * A module that changes what it keeps on disk adds its step here (node wires modules, so a step may
 * call into any of them) and, if no step exists for a new version yet, raises {@link #CURRENT}.
 * Several steps may produce one version; they run in list order. The fixture test ({@code
 * FormatFixtureTest}) opens a format-1 directory made by 9515c70 through every step and checks
 * every file: it must stay green.
 */
public final class Migrations {
  /** The format this build writes. */
  public static final int CURRENT = 2;

  /** Every step, by the version it produces, in the order they run. */
  public static final List<Migration> STEPS =
      List.of(
          new Migration(
              2, "stamp the format (format-1 kv and blob data is read as it is)", dir -> {}));

  private Migrations() {}

  /** The steps that bring format {@code from} to {@code to}, in order. */
  public static List<Migration> between(int from, int to) {
    List<Migration> out = new ArrayList<>();
    for (Migration m : STEPS) {
      if (m.toVersion() > from && m.toVersion() <= to) {
        out.add(m);
      }
    }
    out.sort((a, b) -> Integer.compare(a.toVersion(), b.toVersion()));
    return out;
  }
}
