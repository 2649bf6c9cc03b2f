package org.latticefs.kv.store;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who wants to hear that a store's logs grew ({@link org.latticefs.kv.sync.Replica#onAppend}): told
 * on the writer thread after each append and apply. A listener that throws is logged and kept.
 * Thread-safe.
 */
final class AppendListeners {
  private static final Logger LOG = LoggerFactory.getLogger(AppendListeners.class);

  private final UUID storeId;
  private final Set<Runnable> listeners = ConcurrentHashMap.newKeySet();

  AppendListeners(UUID storeId) {
    this.storeId = storeId;
  }

  /** Adds {@code listener}; closing the handle removes it. */
  AutoCloseable add(Runnable listener) {
    Runnable own = listener::run;
    listeners.add(own);
    return () -> listeners.remove(own);
  }

  /** Writer thread: entries were appended and applied. */
  void fire() {
    for (Runnable l : listeners) {
      try {
        l.run();
      } catch (RuntimeException e) {
        LOG.error("store {}: an append listener failed", storeId, e);
      }
    }
  }
}
