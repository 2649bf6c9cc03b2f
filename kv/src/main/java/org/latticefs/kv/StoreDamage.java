package org.latticefs.kv;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Why one store cannot be opened: the damaged file, what is wrong with it, and which entries of
 * which authors are unreadable there (what a peer holding them could restore: the mesh re-fetches
 * these ranges, verifies them, and the store opens again).
 *
 * <p>A damaged store is never opened empty and never repaired by dropping acknowledged entries: its
 * files stay as they are until someone (the user, or healing from a peer) replaces them.
 *
 * @param storeId the store
 * @param file the damaged (or missing) file
 * @param reason what is wrong, in a sentence that names the file and says what to do
 * @param ranges the damaged author ranges, empty if the damage is not in one author's entries
 */
public record StoreDamage(UUID storeId, Path file, String reason, List<DamagedRange> ranges) {
  public StoreDamage {
    Objects.requireNonNull(storeId, "storeId");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(reason, "reason");
    ranges = List.copyOf(ranges);
  }

  /**
   * Entries {@code fromSeq..toSeq} (inclusive) of {@code author} are damaged or missing here.
   *
   * @param toSeq the last one, {@link #UNKNOWN_END} when the file no longer says how far it went
   */
  public record DamagedRange(NodeId author, long fromSeq, long toSeq) {
    /** The end of a range whose last entry is unknown. */
    public static final long UNKNOWN_END = Long.MAX_VALUE;

    public DamagedRange {
      Objects.requireNonNull(author, "author");
      if (fromSeq < 1 || toSeq < fromSeq) {
        throw new IllegalArgumentException("bad damaged range " + fromSeq + ".." + toSeq);
      }
    }

    @Override
    public String toString() {
      return "entries "
          + fromSeq
          + ".."
          + (toSeq == UNKNOWN_END ? "" : Long.toString(toSeq))
          + " of "
          + author;
    }
  }

  /** {@code damaged <file>: <reason>}, one line, for status and logs. */
  public String describe() {
    return "damaged " + file + ": " + reason;
  }
}
