package org.latticefs.kv;

import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * One replicated key-value store: per-author signed logs and the state materialized from them.
 *
 * <p>One writer per store: {@link #commit} calls from many threads are serialized. Reads see the
 * state as of the last applied entry and never block the writer.
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
  org.latticefs.cas.BlobRef commit(List<Op> ops) throws KvException;

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
}
