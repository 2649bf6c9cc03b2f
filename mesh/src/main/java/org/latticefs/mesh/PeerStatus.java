package org.latticefs.mesh;

import java.util.List;
import java.util.Optional;
import org.latticefs.kv.NodeId;

/**
 * One peer as {@code peer ls} shows it.
 *
 * @param id its node id
 * @param name its display name (empty if unknown)
 * @param status {@code active} or {@code revoked}
 * @param addrs where it may be reached (root store, static, discovered)
 * @param connected whether a connection is up
 * @param remote the address of that connection
 * @param lastSeenMillis when it last sent anything since this node started
 * @param rttMillis the last ping's round trip, if measured
 * @param stores per store, the lag both ways
 */
public record PeerStatus(
    NodeId id,
    String name,
    String status,
    List<String> addrs,
    boolean connected,
    Optional<String> remote,
    Optional<Long> lastSeenMillis,
    Optional<Double> rttMillis,
    List<StoreLag> stores) {

  /**
   * How far apart this node and the peer are in one store, as of the peer's last report: entries
   * this node holds that the peer lacks, and the reverse (-1 while unknown).
   */
  public record StoreLag(String storeId, String storeName, long peerLacks, long weLack) {}
}
