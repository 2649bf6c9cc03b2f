package org.latticefs.kv.log;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;

/**
 * One author's chain of {@link SignedEntry}s for one store, appended in order and read back: what a
 * store keeps per author. {@link SigChainLog} keeps it in a file; {@link MemoryChainLog} in memory.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #append} accepts only entries that continue the chain (this store and author, seq
 *       contiguous from the tip's + 1, each {@code prev} the hash of the one before), all or none:
 *       when it throws, nothing was appended.
 *   <li>Signatures are not checked by the log: the caller passes entries it signed or verified.
 *   <li>One appender at a time; any number of concurrent readers, which see a prefix of the chain
 *       and never wait for an append: once {@link #tip} shows an entry, {@link #get} finds it.
 *   <li>After {@link #close}, every method but {@code close} throws {@link KvException}.
 * </ul>
 */
public interface ChainLog extends AutoCloseable {
  UUID storeId();

  NodeId author();

  /** The last entry, or empty if the chain is empty. */
  Optional<ChainTip> tip();

  /** The number of entries (equal to the tip's seq). */
  long size();

  /**
   * Appends {@code entries} (see the contract). With {@code sync}, durable (on disk, for a log on
   * disk) when it returns, together with every earlier unsynced append; without, it survives a
   * crash of this process but not of the machine until {@link #sync}. An empty list does nothing.
   *
   * @throws KvException if an entry does not continue the chain, on I/O failure, or if closed
   */
  void append(List<SignedEntry> entries, boolean sync) throws KvException;

  /** As {@link #append(List, boolean)} with {@code sync} true. */
  default void append(List<SignedEntry> entries) throws KvException {
    append(entries, true);
  }

  /** Makes every entry appended so far durable (a no-op when none is unsynced). */
  void sync() throws KvException;

  /** Whether entries were appended since the last sync. */
  boolean hasUnsynced();

  /** The entry with {@code seq}, or empty if the chain has no such entry. */
  Optional<SignedEntry> get(long seq) throws KvException;

  /**
   * The entries after {@code seq} (all of them for 0), in seq order, up to the tip at the time of
   * this call. Lazy; read failures surface as {@link java.io.UncheckedIOException} wrapping a
   * {@link KvException}. Closing the stream is optional.
   */
  Stream<SignedEntry> entriesAfter(long seq) throws KvException;

  /** Syncs, then releases the log. Idempotent. */
  @Override
  void close() throws KvException;
}
