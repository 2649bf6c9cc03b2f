package org.latticefs.node.control;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;

/**
 * An in-memory NodeApi for protocol tests: one map per store name. {@link #status} can be made slow
 * (it waits for {@link #statusGate} when set, after counting down {@link #statusEntered}).
 */
final class FakeNode implements NodeApi {
  final Map<String, TreeMap<String, byte[]>> data = new TreeMap<>();
  final AtomicBoolean shutdown = new AtomicBoolean();
  volatile CountDownLatch statusGate;
  final CountDownLatch statusEntered = new CountDownLatch(1);
  final AtomicInteger inStatus = new AtomicInteger();

  private TreeMap<String, byte[]> s(String store) throws NodeException {
    String n = store == null ? "" : store;
    TreeMap<String, byte[]> m = data.get(n);
    if (m == null && n.isEmpty()) {
      m = new TreeMap<>();
      data.put(n, m);
    }
    if (m == null) {
      throw new NodeException("no such store: '" + n + "'");
    }
    return m;
  }

  @Override
  public synchronized String nodeId() {
    return "lat1fake";
  }

  @Override
  public synchronized List<StoreRow> stores() {
    List<StoreRow> l = new ArrayList<>();
    for (String k : data.keySet()) {
      if (!k.isEmpty()) {
        l.add(new StoreRow("id-" + k, k, 7));
      }
    }
    return l;
  }

  @Override
  public synchronized StoreRow createStore(String name) {
    data.put(name, new TreeMap<>());
    return new StoreRow("id-" + name, name, 7);
  }

  @Override
  public synchronized StoreRow removeStore(String name) throws IOException {
    s(name);
    data.remove(name);
    return new StoreRow("id-" + name, name, 7);
  }

  @Override
  public synchronized String put(String store, String key, byte[] value) throws IOException {
    s(store).put(key, value);
    return "e".repeat(64);
  }

  @Override
  public synchronized Optional<byte[]> get(String store, String key) throws IOException {
    return Optional.ofNullable(s(store).get(key));
  }

  @Override
  public synchronized boolean remove(String store, String key) throws IOException {
    return s(store).remove(key) != null;
  }

  @Override
  public synchronized List<Row> list(String store, String prefix, String afterKey, int limit)
      throws IOException {
    List<Row> l = new ArrayList<>();
    String from = afterKey == null ? prefix : afterKey;
    for (var e : s(store).tailMap(from, afterKey == null).entrySet()) {
      if (!e.getKey().startsWith(prefix) || l.size() == limit) {
        break;
      }
      l.add(new Row(e.getKey(), e.getValue()));
    }
    return l;
  }

  @Override
  public synchronized List<HeadRow> heads(String store, String key) throws IOException {
    byte[] v = s(store).get(key);
    return v == null
        ? List.of()
        : List.of(
            new HeadRow(key, v, "1.0", "lat1a", "x"), new HeadRow(key, null, "0.5", "lat1b", "y"));
  }

  @Override
  public List<EntryRow> history(String store, String key, int limit) {
    return List.of(
        new EntryRow(
            "h",
            "lat1a",
            1,
            "1.0",
            List.of(new OpRow("put", "/k", new byte[] {1, 2}), new OpRow("delete", "/j", null))));
  }

  @Override
  public Status status() throws IOException {
    CountDownLatch gate = statusGate;
    if (gate != null) {
      inStatus.incrementAndGet();
      statusEntered.countDown();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    return new Status(
        ProcessHandle.current().pid(),
        "lat1fake",
        "/d",
        "/mnt",
        5,
        2,
        3,
        List.of(new DamagedRow("photos", "/d/kv/x.log", "entry 3 does not verify")),
        List.of(new UnsavedRow("docs", "/docs/a", "/docs/a.unsaved-1", null, "ENOSPC", 9)),
        null,
        new NodeApi.Health(
            "0.1.0-test",
            List.of(new NodeApi.StoreHealth("u1", "docs", 7, "full", 5, 4, 2048)),
            12,
            1L << 30,
            3,
            5L << 30,
            10L << 30,
            1,
            2,
            0,
            4,
            0,
            1_700_000_000_000L,
            "127.0.0.1:9347",
            List.of(
                new NodeApi.PinRow(
                    "inode/u1/00000000000000a1", "docs", "pending", "walking", 3, 30, 0, null)),
            1,
            2));
  }

  @Override
  public FileStat stat(String path) throws IOException {
    if (!path.startsWith("/mnt/")) {
      throw new NodeException("not inside the mount: " + path);
    }
    return new FileStat(
        path, "photos", "12", "file", 10, "m".repeat(64), List.of(new ChunkRow(0, 10, "c")));
  }

  @Override
  public String startGc(String kind) {
    return kind;
  }

  @Override
  public GcJob gcJob(String id) {
    return new GcJob(id, id, "done", "sweep", 3, 3, java.util.Map.of("kind", id), null);
  }

  @Override
  public java.util.Map<String, Object> pinAdd(String target) {
    return java.util.Map.of("target", target, "state", "pending");
  }

  @Override
  public boolean pinRemove(String target) {
    return target.startsWith("pinned");
  }

  @Override
  public List<java.util.Map<String, Object>> pins() {
    return List.of(java.util.Map.of("target", "t", "state", "stored"));
  }

  @Override
  public java.util.Map<String, Object> whereis(String target) {
    return java.util.Map.of("target", target);
  }

  @Override
  public java.util.Map<String, Object> setStoreMode(String store, String mode) {
    return java.util.Map.of("store", store, "mode", mode);
  }

  @Override
  public String startFsck(boolean repair) {
    return repair ? "repair" : "check";
  }

  @Override
  public GcJob fsckJob(String id) {
    return new GcJob(id, "fsck", "done", "scrub", 3, 3, java.util.Map.of("kind", id), null);
  }

  @Override
  public List<java.util.Map<String, Object>> versions(String path) {
    return List.of(java.util.Map.of("path", path));
  }

  @Override
  public void shutdown() {
    shutdown.set(true);
  }

  @Override
  public void close() {}

  final List<PeerRow> peerRows = new ArrayList<>();

  @Override
  public synchronized String invite(long ttlSeconds) {
    return "invite-for-" + ttlSeconds;
  }

  @Override
  public synchronized JoinRow join(String line) throws NodeException {
    if (!line.startsWith("invite-for-")) {
      throw new NodeException("not an invite", 2, null);
    }
    return new JoinRow("lat1joined", "other", "127.0.0.1:4710");
  }

  @Override
  public synchronized List<PeerRow> peers() {
    return List.copyOf(peerRows);
  }

  @Override
  public synchronized boolean revoke(String id) {
    for (int i = 0; i < peerRows.size(); i++) {
      PeerRow p = peerRows.get(i);
      if (p.id().equals(id)) {
        peerRows.set(
            i,
            new PeerRow(
                p.id(),
                p.name(),
                "revoked",
                p.addrs(),
                false,
                null,
                p.lastSeenMillis(),
                -1,
                List.of()));
        return true;
      }
    }
    return false;
  }

  @Override
  public synchronized void addPeer(String id, String addr) {
    peerRows.add(new PeerRow(id, "", "active", List.of(addr), false, null, 0, -1, List.of()));
  }
}
