package org.latticefs.node;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.latticefs.cas.BlobRef;
import org.latticefs.gc.pin.Presence;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.blob.BlobHolders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which other nodes the root store's presence says hold a blob, for the mesh's fetcher to ask
 * first: the nodes with presence of that hash's tree ({@code /blobs/{hash}/nodes/*}, a hash pin)
 * and the nodes that say they hold a whole store ({@code /nodes/{node}/stores/{id}/holds}).
 *
 * <p>A chunk does not name its store, so a node that holds any whole store counts as a holder of
 * every blob: a hint that puts full mirrors ahead of nodes that keep only a cache; a holder that
 * lacks the blob answers "not found" and the fetcher asks the next. The whole-store holders are
 * read again after a change under {@code /nodes/} (a watch of the root store, so a claim that
 * arrives counts from the next fetch on) and at least every {@link #REFRESH_NANOS}; a failing read
 * of the root store answers what is known (never throws). This node is never named. Thread-safe;
 * {@link #close} ends the watch.
 */
final class PresenceHolders implements BlobHolders, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PresenceHolders.class);

  /** How long the list of whole-store holders is used before it is read again. */
  static final long REFRESH_NANOS = 5_000_000_000L;

  private static final int PAGE = 256;

  private final Presence presence;
  private final LongSupplier nanos;
  private volatile Set<NodeId> wholeStores = Set.of();
  private volatile long readAt;
  private volatile boolean read;
  private final AutoCloseable watch;

  PresenceHolders(Presence presence, LongSupplier nanos) throws KvException {
    this.presence = presence;
    this.nanos = nanos;
    this.watch = presence.root().watch("/nodes/", change -> read = false);
  }

  @Override
  public void close() throws Exception {
    watch.close();
  }

  @Override
  public Set<NodeId> holders(BlobRef ref) {
    Set<NodeId> out = new HashSet<>(wholeStoreHolders());
    try {
      for (String node : presence.manifestHolders(ref).keySet()) {
        add(out, node);
      }
    } catch (KvException | RuntimeException e) {
      LOG.debug("presence of {} unreadable: {}", ref, e.toString());
    }
    return out;
  }

  private Set<NodeId> wholeStoreHolders() {
    long now = nanos.getAsLong();
    if (read && now - readAt < REFRESH_NANOS) {
      return wholeStores;
    }
    synchronized (this) {
      if (read && now - readAt < REFRESH_NANOS) {
        return wholeStores;
      }
      // Marked read before reading: a change that lands during the read clears the mark again.
      readAt = now;
      read = true;
      Set<NodeId> found = new HashSet<>();
      try {
        String after = null;
        while (true) {
          List<KeyValue> page = presence.root().list("/nodes/", after, PAGE);
          for (KeyValue kv : page) {
            String k = kv.key();
            int slash = k.indexOf('/', "/nodes/".length());
            if (k.endsWith("/holds") && slash > 0) {
              add(found, k.substring("/nodes/".length(), slash));
            }
            after = k;
          }
          if (page.size() < PAGE) {
            break;
          }
        }
        wholeStores = Set.copyOf(found);
      } catch (KvException | RuntimeException e) {
        LOG.debug("whole-store holders unreadable: {}", e.toString());
      }
      return wholeStores;
    }
  }

  private void add(Set<NodeId> to, String node) {
    if (node.equals(presence.node())) {
      return;
    }
    try {
      to.add(NodeId.parse(node));
    } catch (IllegalArgumentException e) {
      // Not a node id (a newer layout's key): no hint from it.
    }
  }
}
