package org.latticefs.gc.pin;

import java.io.IOException;
import java.util.UUID;
import org.latticefs.cas.ManifestRoots;

/**
 * The filesystem's inode trees as the pin reconciler needs them, without importing the filesystem:
 * the filesystem implements it, the composition root wires it (as it does {@link ManifestRoots}).
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #forEach} streams the manifests an inode reaches now: for a file, the manifest of
 *       every concurrent head; for a folder, those of every file below it, at any depth (through
 *       the names the folders list now). An inode with no content (empty or inline files, symlinks)
 *       hands over nothing. Refuses rather than guesses: a part that cannot be read throws.
 *   <li>{@link #watch} calls {@code changed} (on a thread of the store's, never concurrently for
 *       one watch; it must be quick) after every change of the store's inodes or names, so a pin of
 *       a folder learns of content added under it.
 *   <li>Safe for concurrent use; never blocks the stores' writers.
 * </ul>
 */
public interface InodeTrees {
  /**
   * Hands every manifest inode {@code id} of store {@code store} reaches now to {@code sink}.
   * Returns false, handing nothing, if the store or the inode does not exist (any more).
   *
   * @throws IOException if the store or part of the tree cannot be read
   */
  boolean forEach(UUID store, String id, ManifestRoots.Sink sink) throws IOException;

  /** Calls {@code changed} after changes of {@code store}'s tree; closing the handle stops it. */
  AutoCloseable watch(UUID store, Runnable changed) throws IOException;

  /** No inode trees: every inode pin finds nothing (a node without a filesystem, a test). */
  static InodeTrees none() {
    return new InodeTrees() {
      @Override
      public boolean forEach(UUID store, String id, ManifestRoots.Sink sink) {
        return false;
      }

      @Override
      public AutoCloseable watch(UUID store, Runnable changed) {
        return () -> {};
      }
    };
  }
}
