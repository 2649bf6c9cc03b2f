package org.latticefs.node;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.inode.InodeRoots;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.store.DiskStores;
import org.latticefs.mesh.HostPort;
import org.latticefs.mesh.InviteLine;
import org.latticefs.mesh.Mesh;
import org.latticefs.mesh.MeshConfig;
import org.latticefs.mesh.MeshException;
import org.latticefs.mesh.PeerStatus;
import org.latticefs.mesh.blob.BlobLimits;
import org.latticefs.mesh.blob.MeshBlobs;
import org.latticefs.mesh.peer.Discovery;
import org.latticefs.mesh.peer.MdnsDiscovery;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.MeshSettings;

/**
 * Node's side of the mesh: starts it from the {@code mesh.*} settings over this node's stores and
 * blob store, and answers the peer commands ({@code peer invite|join|ls|revoke|add}), turning
 * arguments and the mesh's peer list into node's rows and its failures into {@link NodeException}s.
 */
final class NodeMesh implements AutoCloseable {
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

  private final Mesh mesh;

  private NodeMesh(Mesh mesh) {
    this.mesh = mesh;
  }

  /**
   * Starts the mesh: listening, dialing known peers, syncing the logs, and serving peers the blobs
   * some store reaches ({@link ReachableBlobs}), read and verified by the blob store.
   */
  static NodeMesh start(DataDir dir, MeshSettings m, DiskStores stores, DiskBlobStore blobs)
      throws IOException {
    MeshConfig mc =
        MeshConfig.defaults(dir.mesh())
            .withListen(m.listen())
            .withAnnounce(m.announce())
            .withStaticPeers(m.peers())
            .withMdns(m.mdns());
    if (!m.name().isEmpty()) {
      mc = mc.withName(m.name());
    }
    try {
      MeshBlobs served =
          new MeshBlobs(
              blobs,
              blobs,
              new ReachableBlobs(new InodeRoots(stores), blobs),
              BlobLimits.defaults().withMaxRate(m.maxRate()));
      return new NodeMesh(
          Mesh.start(
              stores,
              stores.identity(),
              mc,
              m.mdns() ? new MdnsDiscovery(null) : Discovery.none(),
              served));
    } catch (MeshException e) {
      throw new NodeException("cannot start the mesh: " + e.getMessage(), 1, e);
    }
  }

  /** The running mesh (its fetcher, its blob statistics). */
  Mesh mesh() {
    return mesh;
  }

  String invite(long ttlSeconds) throws IOException {
    try {
      return mesh.invite(ttlSeconds <= 0 ? null : Duration.ofSeconds(ttlSeconds)).toString();
    } catch (MeshException e) {
      throw new NodeException(e.getMessage(), 1, e);
    }
  }

  NodeApi.JoinRow join(String line) throws IOException {
    InviteLine invite;
    try {
      invite = InviteLine.parse(line);
    } catch (IllegalArgumentException e) {
      throw new NodeException("not an invite: " + e.getMessage(), 2, e);
    }
    try {
      Mesh.Joined j = mesh.join(invite, JOIN_TIMEOUT);
      return new NodeApi.JoinRow(j.node().toString(), j.name(), j.via().toString());
    } catch (MeshException e) {
      throw new NodeException(e.getMessage(), 1, e);
    }
  }

  List<NodeApi.PeerRow> peers() throws IOException {
    try {
      return mesh.peers().stream().map(NodeMesh::row).toList();
    } catch (MeshException e) {
      throw new NodeException(e.getMessage(), 1, e);
    }
  }

  boolean revoke(String id) throws IOException {
    try {
      return mesh.revoke(parseId(id));
    } catch (MeshException e) {
      throw new NodeException(e.getMessage(), 1, e);
    }
  }

  void addPeer(String id, String addr) throws IOException {
    try {
      mesh.add(parseId(id), parseAddr(addr));
    } catch (MeshException e) {
      throw new NodeException(e.getMessage(), 1, e);
    }
  }

  @Override
  public void close() {
    mesh.close();
  }

  /** A node id argument, or a {@link NodeException} (exit 2) saying what is wrong. */
  static NodeId parseId(String id) throws NodeException {
    try {
      return NodeId.parse(id == null ? null : id.trim());
    } catch (IllegalArgumentException e) {
      throw new NodeException("not a node id: " + e.getMessage(), 2, e);
    }
  }

  /** A {@code HOST:PORT} argument, or a {@link NodeException} (exit 2). */
  static HostPort parseAddr(String addr) throws NodeException {
    try {
      return HostPort.parse(addr);
    } catch (IllegalArgumentException e) {
      throw new NodeException("not an address: " + e.getMessage(), 2, e);
    }
  }

  static NodeApi.PeerRow row(PeerStatus p) {
    List<NodeApi.LagRow> lags = new ArrayList<>();
    for (PeerStatus.StoreLag l : p.stores()) {
      lags.add(new NodeApi.LagRow(l.storeId(), l.storeName(), l.peerLacks(), l.weLack()));
    }
    return new NodeApi.PeerRow(
        p.id().toString(),
        p.name(),
        p.status(),
        p.addrs(),
        p.connected(),
        p.remote().orElse(null),
        p.lastSeenMillis().orElse(0L),
        p.rttMillis().map(ms -> Math.round(ms * 1000)).orElse(-1L),
        lags);
  }
}
