package org.latticefs.gc.pin;

import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.BlobStatter;
import org.latticefs.cas.Hold;
import org.latticefs.kv.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's presence for whole stores: for every store this node keeps {@code full} and
 * has not yet claimed, walks everything the store reaches from its root folder (fetching what is
 * missing, as a pin does) and, if it is all here, writes {@code holds} once ({@link
 * Presence#claimWholeStore}). A full node so says once per store what it holds, not once per file.
 * Run by the daemon at start and after a store's mode changes to {@code full}. Not thread-safe (one
 * run at a time).
 */
public final class StoreHolds {
  private static final Logger LOG = LoggerFactory.getLogger(StoreHolds.class);

  /** The id of every store's root folder, as the filesystem writes it. */
  static final String ROOT_INODE = "0000000000000001";

  private final Stores stores;
  private final Presence presence;
  private final BlobStatter local;
  private final BlobFetcher fetcher;
  private final BlobHolder holder;
  private final InodeTrees trees;
  private final InstantSource clock;

  public StoreHolds(
      Stores stores,
      Presence presence,
      BlobStatter local,
      BlobFetcher fetcher,
      BlobHolder holder,
      InodeTrees trees,
      InstantSource clock) {
    this.stores = stores;
    this.presence = presence;
    this.local = local;
    this.fetcher = fetcher;
    this.holder = holder;
    this.trees = trees;
    this.clock = clock;
  }

  /** Claims every full store found whole here; returns the names of the stores claimed now. */
  public List<String> run() throws IOException {
    List<String> claimed = new ArrayList<>();
    for (Stores.StoreInfo s : stores.listStores()) {
      if (presence.mode(presence.node(), s.id()) != StoreMode.FULL
          || presence.holdsWholeStore(presence.node(), s.id())) {
        continue;
      }
      PinProgress p = new PinProgress();
      try (Hold hold = holder.newHold()) {
        TreeFetcher walk = new TreeFetcher(local, fetcher, hold, p);
        if (!trees.forEach(s.id(), ROOT_INODE, walk::ensure)) {
          continue;
        }
        if (walk.missing() == 0) {
          if (presence.claimWholeStore(s.id(), clock.instant())) {
            claimed.add(s.name());
          }
        } else {
          LOG.info(
              "store '{}' is full here but {} blob(s) are missing: no presence claimed ({})",
              s.name(),
              walk.missing(),
              walk.problems().isEmpty() ? "" : walk.problems().get(0));
        }
      }
    }
    return claimed;
  }
}
