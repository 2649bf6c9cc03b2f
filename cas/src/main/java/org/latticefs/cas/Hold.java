package org.latticefs.cas;

import java.io.IOException;

/**
 * Keeps blobs from being removed until it is closed: the blobs a writer has stored (or found
 * already stored, and counts on) but not yet referenced from anywhere a collector looks, such as
 * the chunks of a file whose new version is not committed yet.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>A held ref is never removed ({@link BlobRemover#remove} refuses it). A removal and a hold
 *       of the same ref are linearized: either the removal came first (and a receive through {@link
 *       #receiver()} then finds the blob absent and stores it again), or the hold did (and the
 *       removal refuses).
 *   <li>Every receive through {@link #receiver()} (also through its batches) holds its ref before
 *       it looks for a copy already present, so a receive that dedups against a present blob never
 *       loses it to a concurrent removal.
 *   <li>{@link #holdTree} also makes a manifest a root for the collector: everything its tree
 *       reaches is kept (the base version of a file open here, which its writer still reads and
 *       re-uses even after the file is deleted or replaced elsewhere).
 *   <li>{@link #close()} releases everything. If a collection pass is running it takes effect when
 *       the pass ends (the pass may have read its roots before the holder committed its
 *       references), so a holder must close only after its references are visible to the roots.
 * </ul>
 *
 * <p>Memory is what the hold holds: about 8 bytes per ref held (a file's chunks until its commit).
 * Thread-safe: several threads may receive through one hold. After {@code close}, receives through
 * it and new holds throw {@link IllegalStateException}. Nothing of a hold survives the process (a
 * crash ends every hold: what was not committed is garbage).
 */
public interface Hold extends AutoCloseable {
  /** Receives blobs as the store does, holding every ref it returns (see above). */
  BlobReceiver receiver();

  /** Holds {@code ref} (present or not): from now until {@link #close()}, it is not removed. */
  void hold(BlobRef ref);

  /**
   * Holds {@code manifest} and makes it a root of every collection pass that reads its roots after
   * this call: its whole tree (manifest nodes and chunks) is kept. The caller takes it while the
   * manifest is still referenced (so no pass could have missed it in between).
   */
  void holdTree(BlobRef manifest);

  /** Releases everything held (see the contract on a running pass). Idempotent. */
  @Override
  void close();

  /** Stores through this hold: the hold's receiver's {@link BlobReceiver#receive(byte[])}. */
  default BlobRef receive(byte[] data) throws IOException {
    return receiver().receive(data);
  }
}
