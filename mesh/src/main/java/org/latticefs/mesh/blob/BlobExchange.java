package org.latticefs.mesh.blob;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobStatter;
import org.latticefs.mesh.net.Session;
import org.latticefs.mesh.wire.Message;

/**
 * The blob exchange of one node: serves its blobs to peers ({@link BlobServer}) and fetches theirs
 * ({@link PeerFetcher}) over the sessions that state {@link #CAPABILITY}. The mesh hands it the
 * sessions as they come up and go down, and every blob message.
 *
 * <p>Thread-safe; the session callbacks return at once.
 */
public final class BlobExchange implements AutoCloseable {
  /** The capability a peer states to take part. */
  public static final String CAPABILITY = "blobs/1";

  private final BlobServer server;
  private final PeerFetcher fetcher;
  private final FetchStats stats = FetchStats.zero();
  private final Map<Session, PeerCalls> calls = new ConcurrentHashMap<>();
  private final BlobLimits limits;

  /**
   * An exchange serving what {@code local} holds ({@code statter} for sizes) within {@code scope},
   * paced by {@code limits}; {@code name} names its thread.
   */
  public BlobExchange(
      BlobFetcher local, BlobStatter statter, ServeScope scope, BlobLimits limits, String name) {
    this(local, statter, scope, BlobHolders.none(), limits, name);
  }

  /**
   * As {@link #BlobExchange(BlobFetcher, BlobStatter, ServeScope, BlobLimits, String)}, fetching
   * first from the peers {@code holders} names.
   */
  public BlobExchange(
      BlobFetcher local,
      BlobStatter statter,
      ServeScope scope,
      BlobHolders holders,
      BlobLimits limits,
      String name) {
    this.limits = limits;
    this.server = new BlobServer(local, statter, scope, limits, stats, name);
    this.fetcher =
        new PeerFetcher(
            () -> List.copyOf(calls.values()),
            holders,
            new RecentMisses(
                PeerFetcher.MISS_MEMORY.toNanos(), PeerFetcher.MISSES_KEPT, System::nanoTime),
            new PeerScores(limits, System::nanoTime),
            limits,
            stats);
  }

  /** Whether {@code m} is a blob message. */
  public static boolean handles(Message m) {
    return m instanceof Message.BlobRequest
        || m instanceof Message.BlobPart
        || m instanceof Message.BlobMissing
        || m instanceof Message.BlobCancel;
  }

  /** Fetches from the connected peers (see {@link PeerFetcher}). */
  public BlobFetcher fetcher() {
    return fetcher;
  }

  /** What the exchange did since it started. */
  public FetchStats stats() {
    return stats;
  }

  /** {@code s} is admitted: it takes part if both sides state the capability. */
  public void up(Session s) {
    if (s.capabilities().contains(CAPABILITY)) {
      calls.put(s, new PeerCalls(s, limits));
    }
  }

  /** A blob message from {@code s}'s peer. */
  public void received(Session s, Message m) {
    if (m instanceof Message.BlobRequest r) {
      server.request(s, r);
    } else if (m instanceof Message.BlobCancel c) {
      server.cancel(s, c.id());
    } else {
      PeerCalls c = calls.get(s);
      if (c != null) {
        c.received(m);
      }
    }
  }

  /** {@code s}'s writability changed. */
  public void writable(Session s) {
    server.writable(s);
  }

  /** {@code s} closed. */
  public void down(Session s) {
    server.down(s);
    PeerCalls c = calls.remove(s);
    if (c != null) {
      c.down();
    }
  }

  @Override
  public void close() {
    server.close();
    for (Session s : List.copyOf(calls.keySet())) {
      down(s);
    }
  }
}
