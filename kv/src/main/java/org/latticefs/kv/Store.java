package org.latticefs.kv;

import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.latticefs.cas.BlobRef;

/**
 * One replicated key-value store as applications use it: commit, read, watch, history. (What a peer
 * exchanges, the logs themselves, is {@link org.latticefs.kv.sync.Replica}: the mesh takes that
 * side, applications this one.)
 *
 * <p>One writer per store: {@link #commit} calls from many threads are serialized. Reads see the
 * state as of the last applied entry and never block the writer.
 *
 * <p>Durability: a commit made with {@link Durability#DISK} (the default, {@link #commit(List)}) is
 * fsynced before it returns and survives a power loss, together with every commit of this store
 * acknowledged before it. A commit made with {@link Durability#PROCESS_CRASH} is written to the
 * operating system before it returns: it survives kill -9 of this process, and it is on disk (so it
 * survives a power loss too) once the store's sync delay has passed, or after the next DISK commit,
 * {@link #sync()} or {@link #close()}, whichever comes first. A power loss before then may lose a
 * suffix of the buffered commits, never an earlier commit while keeping a later one. Entries
 * received from peers are always fsynced.
 */
public interface Store extends KvReader, AutoCloseable {
  UUID id();

  /**
   * Appends one entry, authored by this node, holding {@code ops} in order, and applies it. The
   * entry supersedes the heads this node currently sees for every key it touches. When this returns
   * the entry is durable (fsynced) and visible to readers; the operations apply atomically.
   *
   * @return the hash of the new entry
   */
  BlobRef commit(List<Op> ops) throws KvException;

  /**
   * As {@link #commit(List)}, durable as {@code durability} says (see the interface documentation).
   * This default is for stores that make every commit durable on disk: it ignores the choice.
   */
  default BlobRef commit(List<Op> ops, Durability durability) throws KvException {
    return commit(ops);
  }

  /**
   * Fsyncs every commit acknowledged so far (a no-op when none is buffered). On return they all
   * survive a power loss. This default is for stores that never buffer.
   */
  default void sync() throws KvException {}

  /** A consistent, read-only view that does not change while it is open. The caller closes it. */
  Snapshot snapshot() throws KvException;

  /**
   * Subscribes to changes of keys starting with {@code prefix}: first the current live keys (as
   * {@link Change}s with {@code snapshot} true), then every change after, in apply order, delivered
   * on a thread of the store's choosing, never concurrently for one watch. A slow consumer is never
   * silently skipped: on overflow it gets a {@link Change#resnapshot()} marker followed by a fresh
   * snapshot. Closing the returned handle stops delivery.
   */
  AutoCloseable watch(String prefix, Consumer<Change> listener) throws KvException;

  /**
   * Every entry of every author, in log order (merged by HLC, then author, then seq; each author's
   * chain stays in seq order); with a non-null {@code key}, only entries with an operation on that
   * key. Lazy; read failures surface as {@link java.io.UncheckedIOException}; the caller closes the
   * stream.
   */
  Stream<HistoryEntry> history(String key) throws KvException;

  /** Syncs every buffered commit (see {@link #sync()}), then releases the store. */
  @Override
  void close() throws KvException;

  /** A consistent read-only view of the state. */
  interface Snapshot extends KvReader, AutoCloseable {
    @Override
    void close();
  }

  /**
   * One change seen by a watcher: the key and its heads after the change (empty heads: key removed
   * from state).
   */
  record Change(String key, List<Head> heads, boolean snapshot, boolean resnapshot) {
    public static Change resnapshotMarker() {
      return new Change("", List.of(), false, true);
    }
  }

  /**
   * One entry of the history: who wrote it (author, seq of its chain), when (HLC), its hash, and
   * its operations in apply order.
   */
  record HistoryEntry(BlobRef hash, NodeId author, long seq, Hlc hlc, List<Op> ops) {
    public HistoryEntry {
      ops = List.copyOf(ops);
    }
  }
}
