package org.latticefs.kv;

/**
 * What a {@link Store#commit(java.util.List, Durability)} guarantees when it returns.
 *
 * <p>Both kinds are visible to readers on return and keep their order: a later commit never
 * survives a crash that an earlier one of the same store does not.
 */
public enum Durability {
  /**
   * Written to the operating system (the page cache) before return: survives a crash of this
   * process (kill -9), not necessarily a crash of the machine or a power loss. Reaches the disk
   * within the store's sync delay ({@code StoreSettings.syncDelay}), at the next {@link #DISK}
   * commit or {@link Store#sync()}, or at close, whichever comes first.
   */
  PROCESS_CRASH,
  /**
   * Fsynced before return, together with every earlier commit of the store: survives a power loss.
   */
  DISK
}
