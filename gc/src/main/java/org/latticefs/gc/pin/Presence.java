package org.latticefs.gc.pin;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;

/**
 * Store modes and what nodes say they hold, in the root store (layout: {@link PinKeys}): reads any
 * node's, writes this node's. A node that holds a whole store says so once ({@code holds}), so
 * presence does not grow the log with every file written on a full node. Thread-safe.
 */
public final class Presence {
  private final Store root;
  private final String node;

  public Presence(Store root, String node) {
    this.root = root;
    this.node = node;
  }

  public String node() {
    return node;
  }

  public Store root() {
    return root;
  }

  /** {@code node}'s mode for {@code store} ({@code full} when it never chose). */
  public StoreMode mode(String node, UUID store) throws KvException {
    return root.get(PinKeys.mode(node, store))
        .flatMap(v -> StoreMode.parse(new String(v, StandardCharsets.UTF_8)))
        .orElse(StoreMode.FULL);
  }

  /**
   * Sets this node's mode for {@code store}; leaving {@code full} also withdraws its claim to hold
   * the whole store, in the same entry. Returns false if it already had that mode.
   */
  public synchronized boolean setMode(UUID store, StoreMode mode) throws KvException {
    if (mode(node, store) == mode && root.get(PinKeys.mode(node, store)).isPresent()) {
      return false;
    }
    List<Op> ops = new ArrayList<>();
    ops.add(new Op.Put(PinKeys.mode(node, store), mode.bytes()));
    if (mode != StoreMode.FULL && root.get(PinKeys.holds(node, store)).isPresent()) {
      ops.add(new Op.Delete(PinKeys.holds(node, store)));
    }
    root.commit(ops);
    return true;
  }

  /**
   * Says this node holds every blob of {@code store} (written once, by {@link StoreMirror} after it
   * checked), unless the node has left {@code full} meanwhile. Returns whether it was written.
   */
  public synchronized boolean claimWholeStore(UUID store, Instant at) throws KvException {
    if (mode(node, store) != StoreMode.FULL) {
      return false;
    }
    root.commit(
        List.of(
            new Op.Put(
                PinKeys.holds(node, store), ("complete " + at).getBytes(StandardCharsets.UTF_8))));
    return true;
  }

  /** Whether {@code node} says it holds the whole of {@code store}. */
  public boolean holdsWholeStore(String node, UUID store) throws KvException {
    return root.get(PinKeys.holds(node, store)).isPresent();
  }

  /** Every node that says it holds the whole of {@code store}, with what it said (its time). */
  public Map<String, String> wholeStoreHolders(UUID store) throws KvException {
    Map<String, String> out = new LinkedHashMap<>();
    String suffix = "/stores/" + store + "/holds";
    KeyPages.forEach(
        root,
        "/nodes/",
        kv -> {
          if (kv.key().endsWith(suffix)) {
            String n = kv.key().substring("/nodes/".length(), kv.key().length() - suffix.length());
            out.put(n, new String(kv.value(), StandardCharsets.UTF_8));
          }
        });
    return out;
  }

  /**
   * Every node with presence of {@code manifest}'s tree ({@code /blobs/{hash}/nodes/*}), all of
   * them.
   */
  public Map<String, String> manifestHolders(BlobRef manifest) throws KvException {
    Map<String, String> out = new LinkedHashMap<>();
    String prefix = PinKeys.presencePrefix(manifest);
    KeyPages.forEach(
        root,
        prefix,
        kv ->
            out.put(
                kv.key().substring(prefix.length()),
                new String(kv.value(), StandardCharsets.UTF_8)));
    return out;
  }

  /** Whether {@code node} has pinned inode {@code id} of {@code store}. */
  public Optional<String> inodePin(String node, UUID store, String id) throws KvException {
    return root.get(PinKeys.pins(node) + "inode/" + store + "/" + id)
        .map(v -> new String(v, StandardCharsets.UTF_8));
  }
}
