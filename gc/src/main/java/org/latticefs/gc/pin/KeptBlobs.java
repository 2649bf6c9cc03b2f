package org.latticefs.gc.pin;

import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStatter;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.Manifest;
import org.latticefs.kv.Stores;

/**
 * Says which of some blobs this node holds and keeps now: present here and reached from a store
 * this node keeps {@code full} or from one of its pins (pending or stored). A cached chunk of an
 * {@code on-demand} store is present but not kept. What a peer's cache eviction asks before it
 * drops its own copy.
 *
 * <p>Each call walks the kept trees as they are now, reading manifest nodes from the local store (a
 * node that is not here vouches for nothing below it), and stops as soon as every asked ref was
 * found; memory is the asked set and one decoded node per tree level. Exact: no filter that could
 * say yes wrongly. Thread-safe (no state between calls).
 */
public final class KeptBlobs {
  private final BlobFetcher local;
  private final BlobStatter statter;
  private final Stores stores;
  private final Presence presence;
  private final PinBook pins;
  private final InodeTrees trees;

  /**
   * @param local the local store's reads (never peers)
   * @param statter the local store's lookups
   */
  public KeptBlobs(
      BlobFetcher local,
      BlobStatter statter,
      Stores stores,
      Presence presence,
      PinBook pins,
      InodeTrees trees) {
    this.local = local;
    this.statter = statter;
    this.stores = stores;
    this.presence = presence;
    this.pins = pins;
    this.trees = trees;
  }

  /** The refs of {@code refs} this node holds and keeps now (see the class doc). */
  public Set<BlobRef> kept(Collection<BlobRef> refs) throws IOException {
    Set<BlobRef> wanted = new HashSet<>(refs);
    Set<BlobRef> found = new HashSet<>();
    ManifestWalk walk = new ManifestWalk(wanted, found);
    for (Stores.StoreInfo s : stores.listStores()) {
      if (found.size() == wanted.size()) {
        break;
      }
      if (presence.mode(presence.node(), s.id()) == StoreMode.FULL) {
        trees.forEach(s.id(), StoreMirror.ROOT_INODE, m -> walk.node(m, 0));
      }
    }
    if (found.size() < wanted.size()) {
      new PinRoots(pins).reached(trees).forEach(m -> walk.node(m, 0));
    }
    found.removeIf(r -> !present(r));
    return found;
  }

  private boolean present(BlobRef r) {
    try {
      return statter.stat(r).isPresent();
    } catch (IOException e) {
      return false;
    }
  }

  /** One walk over manifest trees, noting the wanted refs it meets. */
  private final class ManifestWalk {
    final Set<BlobRef> wanted;
    final Set<BlobRef> found;

    ManifestWalk(Set<BlobRef> wanted, Set<BlobRef> found) {
      this.wanted = wanted;
      this.found = found;
    }

    void node(BlobRef ref, int depth) throws IOException {
      if (found.size() == wanted.size() || depth > Manifest.MAX_LEVEL) {
        return;
      }
      if (wanted.contains(ref)) {
        found.add(ref);
      }
      Manifest m;
      try {
        m = Manifest.decode(local.fetch(ref));
      } catch (BlobNotFoundException | CorruptBlobException | MalformedManifestException e) {
        return; // not here (or not good): vouches for nothing below it
      }
      for (int i = 0; i < m.entryCount(); i++) {
        if (m.isHole(i)) {
          continue;
        }
        if (m.isLeaf()) {
          if (wanted.contains(m.ref(i))) {
            found.add(m.ref(i));
          }
        } else {
          node(m.ref(i), depth + 1);
        }
      }
    }
  }
}
