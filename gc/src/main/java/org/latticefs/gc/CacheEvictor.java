package org.latticefs.gc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.Manifest;
import org.latticefs.cas.store.AccessTracker;
import org.latticefs.cas.store.HoldTable;
import org.latticefs.gc.pin.InodeTrees;
import org.latticefs.gc.pin.PinBook;
import org.latticefs.gc.pin.PinRoots;
import org.latticefs.gc.pin.Presence;
import org.latticefs.gc.pin.StoreMode;
import org.latticefs.kv.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops cached chunks of {@code on-demand} stores, least recently used first (Lattice's own access
 * times), to free room; never anything else.
 *
 * <h2>What may go</h2>
 *
 * A chunk goes only if all of these hold when it is removed:
 *
 * <ul>
 *   <li>it is a chunk (not a manifest node) of a file of a store this node keeps {@code on-demand};
 *   <li>nothing here keeps it: no store this node keeps {@code full}, no pin of this node (hash,
 *       file or folder), no hold (the store refuses held refs, atomically);
 *   <li>at least {@code minCopies} other nodes that say they keep it (a whole-store claim of a
 *       {@code full} node, or presence of a pinned manifest; a cache elsewhere does not count)
 *       confirm it now through the {@link HolderCheck}.
 * </ul>
 *
 * On one node no other node confirms anything, so nothing referenced is ever evicted. If the trees
 * that keep blobs here cannot all be read, nothing is evicted. Unreferenced blobs are the
 * collector's, not the evictor's.
 *
 * <p>Memory: one batch of the oldest blobs ({@value #BATCH} at most) with their possible holders,
 * and a Bloom filter of what is kept here (as the collector's). Not thread-safe: the collector's
 * thread runs it after a pass.
 */
public final class CacheEvictor {
  private static final Logger LOG = LoggerFactory.getLogger(CacheEvictor.class);

  static final int BATCH = 4096;
  private static final String ROOT_INODE = "0000000000000001";

  private final CollectableStore store;
  private final AccessTracker access;
  private final Stores stores;
  private final Presence presence;
  private final PinBook pins;
  private final InodeTrees trees;
  private final HolderCheck check;
  private final int minCopies;

  /**
   * What one eviction run did.
   *
   * @param examined the oldest blobs looked at
   * @param evicted chunks removed
   * @param evictedBytes their bytes
   * @param unconfirmed cached chunks kept because too few other nodes confirmed they keep them
   * @param problems why nothing was evicted (empty when it ran)
   */
  public record Report(
      long examined, long evicted, long evictedBytes, long unconfirmed, List<String> problems) {}

  public CacheEvictor(
      CollectableStore store,
      AccessTracker access,
      Stores stores,
      Presence presence,
      PinBook pins,
      InodeTrees trees,
      HolderCheck check,
      int minCopies) {
    if (minCopies < 1) {
      throw new IllegalArgumentException("min copies must be at least 1");
    }
    this.store = store;
    this.access = access;
    this.stores = stores;
    this.presence = presence;
    this.pins = pins;
    this.trees = trees;
    this.check = check;
    this.minCopies = minCopies;
  }

  /** Evicts up to {@code bytes} (see the class doc). */
  public Report evict(long bytes) throws IOException {
    if (bytes <= 0) {
      return new Report(0, 0, 0, 0, List.of());
    }
    HoldTable holds = store.holds();
    try (HoldTable.Pass pass = holds.beginPass()) {
      List<Stores.StoreInfo> onDemand = new ArrayList<>();
      List<Stores.StoreInfo> full = new ArrayList<>();
      for (Stores.StoreInfo s : stores.listStores()) {
        (presence.mode(presence.node(), s.id()) == StoreMode.ON_DEMAND ? onDemand : full).add(s);
      }
      if (onDemand.isEmpty()) {
        return new Report(0, 0, 0, 0, List.of());
      }
      List<AccessTracker.Access> oldest = access.oldestFirst(store.blobs(), BATCH);
      Map<BlobRef, Set<String>> holders = new HashMap<>();
      for (AccessTracker.Access a : oldest) {
        holders.put(a.ref(), null);
      }
      // What this node keeps.
      long n = store.blobCount();
      LiveSet kept = LiveSet.sized(n + n / 8 + 1024, System.nanoTime());
      TreeMarker marker = new TreeMarker(store.blobs(), kept);
      for (Stores.StoreInfo s : full) {
        trees.forEach(s.id(), ROOT_INODE, marker::mark);
      }
      new PinRoots(pins).reached(trees).forEach(marker::markPartial);
      for (BlobRef m : holds.heldTrees()) {
        marker.mark(m);
      }
      if (marker.problemCount() > 0) {
        LOG.warn("cache eviction skipped: {}", marker.problems().get(0));
        return new Report(0, 0, 0, 0, marker.problems());
      }
      // Who else keeps the cached chunks of the batch.
      Set<BlobRef> manifestNodes = new LinkedHashSet<>();
      for (Stores.StoreInfo s : onDemand) {
        Map<String, String> whole = presence.wholeStoreHolders(s.id());
        trees.forEach(
            s.id(),
            ROOT_INODE,
            m -> {
              Set<String> h = new LinkedHashSet<>(whole.keySet());
              h.addAll(presence.manifestHolders(m).keySet());
              h.remove(presence.node());
              assign(m, 0, h, holders, manifestNodes);
            });
      }
      Map<BlobRef, Integer> confirmed = confirm(oldest, holders, manifestNodes, kept);
      long evicted = 0;
      long evictedBytes = 0;
      long unconfirmed = 0;
      for (AccessTracker.Access a : oldest) {
        if (evictedBytes >= bytes) {
          break;
        }
        Set<String> h = holders.get(a.ref());
        if (h == null || manifestNodes.contains(a.ref()) || kept.mightContain(a.ref())) {
          continue;
        }
        if (confirmed.getOrDefault(a.ref(), 0) < minCopies) {
          unconfirmed++;
          continue;
        }
        long size = store.blobs().stat(a.ref()).map(b -> b.size()).orElse(0L);
        if (store.blobs().remove(a.ref())) {
          evicted++;
          evictedBytes += size;
        }
      }
      if (evicted > 0) {
        LOG.info("evicted {} cached chunks ({} bytes)", evicted, evictedBytes);
      }
      return new Report(oldest.size(), evicted, evictedBytes, unconfirmed, List.of());
    }
  }

  /**
   * Asks each possible holder once, now, which of the batch's cached chunks it keeps; returns per
   * chunk how many confirmed. A holder that cannot answer confirms nothing.
   */
  private Map<BlobRef, Integer> confirm(
      List<AccessTracker.Access> oldest,
      Map<BlobRef, Set<String>> holders,
      Set<BlobRef> manifestNodes,
      LiveSet kept) {
    Map<String, List<BlobRef>> byNode = new HashMap<>();
    for (AccessTracker.Access a : oldest) {
      Set<String> h = holders.get(a.ref());
      if (h == null || manifestNodes.contains(a.ref()) || kept.mightContain(a.ref())) {
        continue;
      }
      for (String node : h) {
        byNode.computeIfAbsent(node, k -> new ArrayList<>()).add(a.ref());
      }
    }
    Map<BlobRef, Integer> confirmed = new HashMap<>();
    for (Map.Entry<String, List<BlobRef>> e : byNode.entrySet()) {
      try {
        Set<BlobRef> asked = new java.util.HashSet<>(e.getValue());
        for (BlobRef r : check.keptBy(e.getKey(), e.getValue())) {
          if (asked.contains(r)) {
            confirmed.merge(r, 1, Integer::sum);
          }
        }
      } catch (IOException | RuntimeException ex) {
        LOG.info("{} did not confirm the copies it keeps: {}", e.getKey(), ex.toString());
      }
    }
    return confirmed;
  }

  /** Adds {@code nodes} to the holders of every batch chunk in {@code ref}'s tree. */
  private void assign(
      BlobRef ref,
      int depth,
      Set<String> nodes,
      Map<BlobRef, Set<String>> holders,
      Set<BlobRef> manifestNodes)
      throws IOException {
    if (holders.containsKey(ref)) {
      manifestNodes.add(ref);
    }
    Manifest m;
    try {
      m = Manifest.decode(store.blobs().fetch(ref));
    } catch (BlobNotFoundException | CorruptBlobException | MalformedManifestException e) {
      return; // not here: nothing below it is cached through it
    }
    if (depth > Manifest.MAX_LEVEL) {
      return;
    }
    for (int i = 0; i < m.entryCount(); i++) {
      if (m.isHole(i)) {
        continue;
      }
      BlobRef child = m.ref(i);
      if (m.isLeaf()) {
        if (holders.containsKey(child)) {
          Set<String> h = holders.get(child);
          if (h == null) {
            h = new LinkedHashSet<>();
            holders.put(child, h);
          }
          h.addAll(nodes);
        }
      } else {
        assign(child, depth + 1, nodes, holders, manifestNodes);
      }
    }
  }
}
