package org.latticefs.kv.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores.StoreInfo;

/**
 * Typed access to the root store's keys (the control plane, one per mesh). Values are UTF-8 text,
 * except store names: the bytes of the name ({@link KeyBytes#encode}, UTF-8 for text names).
 *
 * <pre>
 * /stores/{uuid}/name, /stores/{uuid}/created_at   a store (created_at: decimal epoch millis)
 * /nodes/{id}/status                               active | revoked
 * /nodes/{id}/name, /nodes/{id}/addrs              display name; addresses, one per line
 * /cas/pins/{node}/{hash}                          pending | stored
 * /blobs/{hash}/nodes/{node}                       presence (value: empty)
 * </pre>
 *
 * Node ids are in their text form ({@link NodeId#toString()}), hashes in hex. Reads see the root
 * store's LWW winners; writes are commits by this node. Thread-safe like the store.
 */
public final class RootStore {
  /** The root store's id: fixed, the same on every node. */
  public static final UUID ID = org.latticefs.kv.Stores.ROOT_ID;

  private static final int PAGE = 1000;

  private final Store store;

  public RootStore(Store store) {
    if (!store.id().equals(ID)) {
      throw new IllegalArgumentException("store " + store.id() + " is not the root store");
    }
    this.store = store;
  }

  /** The underlying store. */
  public Store store() {
    return store;
  }

  /** Node status in {@code /nodes/{id}/status}. */
  public enum NodeStatus {
    ACTIVE,
    REVOKED;

    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<NodeStatus> parse(String text) {
      for (NodeStatus s : values()) {
        if (s.text().equals(text)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }

  /** Pin state in {@code /cas/pins/{node}/{hash}}. */
  public enum PinState {
    PENDING,
    STORED;

    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<PinState> parse(String text) {
      for (PinState s : values()) {
        if (s.text().equals(text)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }

  /** A node known to the root store. */
  public record NodeInfo(NodeId id, Optional<NodeStatus> status, String name, List<String> addrs) {}

  // ---- stores ----

  /** Declares store {@code id} as {@code name}, created at {@code createdAtMillis} (one entry). */
  public void declareStore(UUID id, String name, long createdAtMillis) throws KvException {
    store.commit(
        List.of(
            new Op.Put(storeKey(id, "name"), KeyBytes.encode(name)),
            Op.Put.utf8(storeKey(id, "created_at"), Long.toString(createdAtMillis))));
  }

  /** Removes the declaration of store {@code id} (one entry of two deletions). */
  public void undeclareStore(UUID id) throws KvException {
    store.commit(
        List.of(new Op.Delete(storeKey(id, "name")), new Op.Delete(storeKey(id, "created_at"))));
  }

  /** The declared store {@code id}, if live. */
  public Optional<StoreInfo> store(UUID id) throws KvException {
    Optional<String> name = store.get(storeKey(id, "name")).map(KeyBytes::decode);
    if (name.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new StoreInfo(id, name.get(), createdAt(id)));
  }

  /** Every live declared store, ordered by name ({@link KeyBytes#ORDER}) then id. */
  public List<StoreInfo> stores() throws KvException {
    List<StoreInfo> out = new ArrayList<>();
    for (KeyValue kv : all("/stores/")) {
      String rest = kv.key().substring("/stores/".length());
      int slash = rest.indexOf('/');
      if (slash < 0 || !rest.substring(slash).equals("/name")) {
        continue;
      }
      UUID id;
      try {
        id = UUID.fromString(rest.substring(0, slash));
      } catch (IllegalArgumentException e) {
        continue;
      }
      out.add(new StoreInfo(id, KeyBytes.decode(kv.value()), createdAt(id)));
    }
    out.sort(Comparator.comparing(StoreInfo::name, KeyBytes.ORDER).thenComparing(StoreInfo::id));
    return out;
  }

  private long createdAt(UUID id) throws KvException {
    try {
      return text(storeKey(id, "created_at")).map(Long::parseLong).orElse(0L);
    } catch (NumberFormatException e) {
      return 0L;
    }
  }

  private static String storeKey(UUID id, String field) {
    return "/stores/" + id + "/" + field;
  }

  // ---- nodes ----

  public Optional<NodeStatus> nodeStatus(NodeId node) throws KvException {
    return text(nodeKey(node, "status")).flatMap(NodeStatus::parse);
  }

  public void setNodeStatus(NodeId node, NodeStatus status) throws KvException {
    store.commit(List.of(Op.Put.utf8(nodeKey(node, "status"), status.text())));
  }

  /** Whether {@code node} is {@code active}: the authorization every store uses. */
  public boolean isActive(NodeId node) throws KvException {
    return nodeStatus(node).orElse(null) == NodeStatus.ACTIVE;
  }

  public Optional<String> nodeName(NodeId node) throws KvException {
    return text(nodeKey(node, "name"));
  }

  public void setNodeName(NodeId node, String name) throws KvException {
    store.commit(List.of(Op.Put.utf8(nodeKey(node, "name"), name)));
  }

  /** The node's reachable addresses (empty if none known). */
  public List<String> nodeAddrs(NodeId node) throws KvException {
    return text(nodeKey(node, "addrs"))
        .map(s -> s.isEmpty() ? List.<String>of() : List.of(s.split("\n")))
        .orElse(List.of());
  }

  public void setNodeAddrs(NodeId node, List<String> addrs) throws KvException {
    for (String a : addrs) {
      if (a.isEmpty() || a.contains("\n")) {
        throw new KvException("an address is non-empty and has no line break: '" + a + "'");
      }
    }
    store.commit(List.of(Op.Put.utf8(nodeKey(node, "addrs"), String.join("\n", addrs))));
  }

  /** Every node with any key under {@code /nodes/}, in id text order. */
  public List<NodeInfo> nodes() throws KvException {
    Map<String, NodeId> ids = new LinkedHashMap<>();
    for (KeyValue kv : all("/nodes/")) {
      String rest = kv.key().substring("/nodes/".length());
      int slash = rest.indexOf('/');
      if (slash > 0) {
        String text = rest.substring(0, slash);
        if (!ids.containsKey(text)) {
          try {
            ids.put(text, NodeId.parse(text));
          } catch (IllegalArgumentException e) {
            // Not a node id: ignore foreign keys.
          }
        }
      }
    }
    List<NodeInfo> out = new ArrayList<>();
    for (NodeId id : ids.values()) {
      out.add(new NodeInfo(id, nodeStatus(id), nodeName(id).orElse(""), nodeAddrs(id)));
    }
    return out;
  }

  private static String nodeKey(NodeId node, String field) {
    return "/nodes/" + node + "/" + field;
  }

  // ---- pins and presence ----

  public Optional<PinState> pin(NodeId node, BlobRef hash) throws KvException {
    return text(pinKey(node, hash)).flatMap(PinState::parse);
  }

  public void setPin(NodeId node, BlobRef hash, PinState state) throws KvException {
    store.commit(List.of(Op.Put.utf8(pinKey(node, hash), state.text())));
  }

  public void removePin(NodeId node, BlobRef hash) throws KvException {
    store.commit(List.of(new Op.Delete(pinKey(node, hash))));
  }

  /** The key prefix a node's pins live under (what its pin reconciler watches). */
  public static String pinPrefix(NodeId node) {
    return "/cas/pins/" + node + "/";
  }

  /** Every pin of {@code node}, by hash. */
  public Map<BlobRef, PinState> pins(NodeId node) throws KvException {
    Map<BlobRef, PinState> out = new LinkedHashMap<>();
    String prefix = pinPrefix(node);
    for (KeyValue kv : all(prefix)) {
      try {
        BlobRef hash = BlobRef.parse(kv.key().substring(prefix.length()));
        PinState.parse(utf8(kv.value())).ifPresent(s -> out.put(hash, s));
      } catch (IllegalArgumentException e) {
        // Not a hash: ignore foreign keys.
      }
    }
    return out;
  }

  private static String pinKey(NodeId node, BlobRef hash) {
    return pinPrefix(node) + hash.hex();
  }

  /** Records that {@code node} holds {@code hash}. */
  public void addPresence(BlobRef hash, NodeId node) throws KvException {
    store.commit(List.of(new Op.Put(presenceKey(hash, node), new byte[0])));
  }

  public void removePresence(BlobRef hash, NodeId node) throws KvException {
    store.commit(List.of(new Op.Delete(presenceKey(hash, node))));
  }

  /** The nodes that hold {@code hash}. */
  public List<NodeId> holders(BlobRef hash) throws KvException {
    String prefix = "/blobs/" + hash.hex() + "/nodes/";
    List<NodeId> out = new ArrayList<>();
    for (KeyValue kv : all(prefix)) {
      try {
        out.add(NodeId.parse(kv.key().substring(prefix.length())));
      } catch (IllegalArgumentException e) {
        // Not a node id: ignore foreign keys.
      }
    }
    return out;
  }

  private static String presenceKey(BlobRef hash, NodeId node) {
    return "/blobs/" + hash.hex() + "/nodes/" + node;
  }

  // ---- helpers ----

  private Optional<String> text(String key) throws KvException {
    return store.get(key).map(RootStore::utf8);
  }

  private List<KeyValue> all(String prefix) throws KvException {
    List<KeyValue> out = new ArrayList<>();
    String after = null;
    while (true) {
      List<KeyValue> page = store.list(prefix, after, PAGE);
      out.addAll(page);
      if (page.size() < PAGE) {
        return out;
      }
      after = page.get(page.size() - 1).key();
    }
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
