package org.latticefs.cas.store;

import java.nio.file.Path;
import org.latticefs.cas.BlobRef;

/**
 * Told when a store finds a blob whose bytes do not match its name, so that a repairer can fetch a
 * good copy from a peer. Called on the thread that found the corruption, after the bad bytes were
 * moved out of the way; it must be quick and must not throw (what it throws is logged and ignored).
 */
@FunctionalInterface
public interface CorruptionListener {
  /**
   * @param ref the blob that is now missing from the store
   * @param quarantined where the bad bytes were kept
   * @param detail what was wrong, for logs
   */
  void corruptBlobFound(BlobRef ref, Path quarantined, String detail);
}
