package org.latticefs.node.replicas;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import org.latticefs.cas.BlobRef;
import org.latticefs.gc.HolderCheck;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.keep.KeepExchange;

/**
 * The collector's {@link HolderCheck} over the mesh: asks the node itself, now, through the {@code
 * keeps/1} exchange, and counts nothing from a node that is forgotten ({@link Forgetting}), not
 * connected, or does not answer within {@link #TIMEOUT}. Before the mesh runs nothing is confirmed.
 * Thread-safe.
 */
public final class MeshHolders implements HolderCheck {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Forgetting forgetting;
  private volatile KeepExchange exchange;

  public MeshHolders(Forgetting forgetting) {
    this.forgetting = forgetting;
  }

  /** Asks through {@code exchange} from now on (the mesh is up). */
  public void connect(KeepExchange exchange) {
    this.exchange = exchange;
  }

  @Override
  public Set<BlobRef> keptBy(String node, Collection<BlobRef> refs) throws IOException {
    KeepExchange e = exchange;
    if (e == null) {
      throw new IOException("the mesh is not running");
    }
    if (forgetting.isForgotten(node)) {
      return Set.of();
    }
    NodeId id;
    try {
      id = NodeId.parse(node);
    } catch (IllegalArgumentException bad) {
      return Set.of();
    }
    return e.ask(id, refs, TIMEOUT);
  }
}
