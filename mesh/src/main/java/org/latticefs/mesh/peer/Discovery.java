package org.latticefs.mesh.peer;

import java.util.function.BiConsumer;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.HostPort;

/**
 * Finds where nodes are on the local network. What it reports is only an address to try: a node
 * found this way is dialed only if it is already trusted, and TLS then proves its key. Discovery
 * never grants trust.
 */
public interface Discovery extends AutoCloseable {
  /**
   * Announces this node ({@code me}, reachable on {@code port}) and reports every other node found,
   * with an address, to {@code found} (on a thread of the discovery's choosing).
   */
  void start(NodeId me, int port, BiConsumer<NodeId, HostPort> found);

  @Override
  void close();

  /** No discovery at all. */
  static Discovery none() {
    return new Discovery() {
      @Override
      public void start(NodeId me, int port, BiConsumer<NodeId, HostPort> found) {}

      @Override
      public void close() {}
    };
  }
}
