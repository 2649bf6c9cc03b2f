package org.latticefs.fs;

import java.nio.file.Path;
import java.time.Instant;

/**
 * Content a file's last commit could not store (a full disk, a quota, an I/O error), kept so that
 * nothing written is silently dropped: either saved in the mount beside the file, under {@code
 * savedAs} ({@code name.unsaved-<UTC time>}; the file keeps its last committed version), or, when
 * even that could not be stored, left on the local disk at {@code keptAt} with a description beside
 * it ({@code .txt}). Node lists these in {@code lattice-fs status}.
 *
 * @param when when the commit failed (for files found on disk at start: when they were kept)
 * @param store the store's name
 * @param path the file's path in the mount as last opened here, or null if unknown
 * @param savedAs the path of the saved copy in the mount, or null
 * @param keptAt the kept staging file on the local disk, or null
 * @param reason why the commit failed
 */
public record UnsavedFile(
    Instant when, String store, String path, String savedAs, Path keptAt, String reason) {
  /** One line for status output and logs. */
  public String describe() {
    String what = path != null ? path : "a file of store " + store;
    if (savedAs != null) {
      return "unsaved " + what + ": saved as " + savedAs + " (" + reason + ")";
    }
    if (keptAt != null) {
      return "unsaved " + what + ": kept on disk at " + keptAt + " (" + reason + ")";
    }
    return "unsaved " + what + ": lost (" + reason + ")";
  }
}
