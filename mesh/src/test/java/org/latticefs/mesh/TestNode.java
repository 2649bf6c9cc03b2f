package org.latticefs.mesh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores;
import org.latticefs.kv.memory.MemoryStores;
import org.latticefs.kv.store.StoreCatalog;
import org.latticefs.mesh.peer.Discovery;

/** A node for tests: stores in memory, a mesh on 127.0.0.1, no mDNS (or a given discovery). */
final class TestNode implements AutoCloseable {
  final StoreCatalog stores;
  final org.latticefs.kv.Identity identity;
  Mesh mesh;
  private final MeshConfig config;
  private final MeshConfig started;
  private final Discovery discovery;

  TestNode(Path dir, String name) throws Exception {
    this(dir, name, true);
  }

  TestNode(Path dir, String name, boolean listen) throws Exception {
    this(dir, name, listen, c -> c);
  }

  TestNode(
      Path dir, String name, boolean listen, java.util.function.UnaryOperator<MeshConfig> tweak)
      throws Exception {
    this(dir, name, listen, tweak, Discovery.none());
  }

  TestNode(
      Path dir,
      String name,
      boolean listen,
      java.util.function.UnaryOperator<MeshConfig> tweak,
      Discovery discovery)
      throws Exception {
    this.discovery = discovery;
    MemoryStores m = MemoryStores.create();
    this.stores = m;
    this.identity = m.identity();
    this.config =
        MeshConfig.defaults(dir.resolve(name))
            .withName(name)
            .withMdns(false)
            .withListen(listen ? new HostPort("127.0.0.1", 0) : null)
            .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
    this.started = tweak.apply(config);
    this.mesh = Mesh.start(stores, identity, started, discovery);
  }

  /** The store named {@code name}, once this node knows it. */
  Optional<Store> store(String name) throws KvException {
    Optional<Stores.StoreInfo> s = stores.findStore(name);
    return s.isPresent() ? Optional.of(stores.open(s.get().id())) : Optional.empty();
  }

  InviteLine invite() throws MeshException {
    return mesh.invite(Duration.ofMinutes(10));
  }

  void stopMesh() {
    mesh.close();
  }

  /** A new mesh on the same stores and config (a restart of the node's networking). */
  void restartMesh() throws Exception {
    mesh = Mesh.start(stores, identity, started, discovery);
  }

  @Override
  public void close() throws Exception {
    mesh.close();
    stores.close();
  }
}
