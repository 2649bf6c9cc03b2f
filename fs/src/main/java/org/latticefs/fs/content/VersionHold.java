package org.latticefs.fs.content;

import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.Hold;

/**
 * Keeps what one open file depends on from the garbage collector until it is referenced: the tree
 * of the version the file started from (its readers and re-ingests still use it, even after the
 * file is replaced or deleted elsewhere), and every blob its writer stores or dedups against
 * (checkpoints, the version a commit is about to reference) through {@link #receiving()}.
 *
 * <p>At each commit the file's new version is in the log (a root for the collector), so {@link
 * #committed} takes a fresh hold on it and releases the old one; {@link #close()} releases
 * everything when the file's last handle goes. Used under the owning writer's lock, like the
 * writer; {@link #receiving()} may be read by its background ingests.
 */
final class VersionHold implements AutoCloseable {
  private final BlobHolder holder;
  private volatile Hold current;

  /** Holds the tree of {@code base} (the version the file was opened with). */
  VersionHold(BlobHolder holder, Version base) {
    this.holder = holder;
    this.current = open(base);
  }

  /** The hold that whatever is stored now must go through. */
  Hold receiving() {
    return current;
  }

  /**
   * {@code now} was committed (it is referenced from the log from now on): holds its tree, then
   * releases what was held for the version before it.
   */
  void committed(Version now) {
    Hold old = current;
    current = open(now);
    old.close();
  }

  private Hold open(Version v) {
    Hold h = holder.newHold();
    if (v.manifest() != null) {
      h.holdTree(v.manifest());
    }
    return h;
  }

  /** Releases everything (the file's last handle is gone). */
  @Override
  public void close() {
    current.close();
  }
}
