package org.latticefs.cas;

import java.io.IOException;

/**
 * Every manifest the current state of this node's stores reaches: what the garbage collector keeps
 * (with everything the manifests' trees reach), implemented above cas (the filesystem knows its
 * inodes) and handed to the collector by the composition root, as the fetch seam is.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Streams: {@link #forEach} hands each manifest ref to the sink as it finds it, on the
 *       calling thread, holding no list of them. A ref may be handed over more than once.
 *   <li>Complete: every manifest the state references when the call starts, and that is still
 *       referenced when the call returns, is handed over; so is every version a reader may still
 *       ask for (every concurrent head of a key, conflict losers included). Manifests committed
 *       while it runs may or may not be (the writer's {@link Hold} covers them).
 *   <li>Refuses rather than guesses: if some part of the state cannot be read (a damaged store, an
 *       undecodable record), it throws instead of returning a partial set, since what it missed
 *       would be collected.
 *   <li>Safe to call concurrently with every other operation of the stores; never blocks writers.
 * </ul>
 */
public interface ManifestRoots {
  /** Receives one root. */
  @FunctionalInterface
  interface Sink {
    void root(BlobRef manifest) throws IOException;
  }

  /**
   * Hands every root to {@code sink} (see the contract).
   *
   * @throws IOException if the roots cannot all be read; the sink has then seen only some
   */
  void forEach(Sink sink) throws IOException;

  /** No roots at all (a node with no store, or a test). */
  static ManifestRoots none() {
    return sink -> {};
  }
}
