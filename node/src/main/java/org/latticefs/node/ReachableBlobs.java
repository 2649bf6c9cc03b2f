package org.latticefs.node;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.Manifest;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.blob.ServeScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which blobs this node serves peers: those reachable from a store's current state (every manifest
 * an inode names, all concurrent heads, and everything their trees reach), nothing else (no unsaved
 * file's checkpoints, no garbage, no blob of a deleted store).
 *
 * <h2>Who may see what</h2>
 *
 * Every active member of the mesh syncs every store (the mesh has no per-store membership yet), so
 * a peer may see a blob exactly when some store reaches it; the mesh has already checked that the
 * peer is active. The peer is passed on so per-store membership can narrow this later.
 *
 * <h2>Cost</h2>
 *
 * An index of the reachable refs, kept as their first 8 bytes (8 bytes per blob in an
 * open-addressing table; a peer would need another blob's full hash and a 64-bit prefix collision
 * with a reachable one to get it). Built by walking the roots and the manifest trees held here; a
 * request for a ref not in the index walks again, but only roots not walked before (a file written
 * since), at most one such walk every {@link #MIN_WALK_GAP_NANOS} (a miss sooner waits for it, so a
 * peer asking for garbage in a loop costs at most five walks of the roots a second). A full rebuild
 * (which drops what is no longer reachable) runs when the index is older than {@link
 * #MAX_AGE_NANOS}. Manifests this node does not hold are skipped (their chunks are not served from
 * here).
 *
 * <p>Thread-safe: calls are serialized (the mesh's server asks one request at a time).
 */
final class ReachableBlobs implements ServeScope {
  private static final Logger LOG = LoggerFactory.getLogger(ReachableBlobs.class);
  static final long MIN_WALK_GAP_NANOS = 200_000_000L;
  static final long MAX_AGE_NANOS = 600_000_000_000L;

  private final ManifestRoots roots;
  private final BlobFetcher local;
  private Set<BlobRef> walkedRoots = new HashSet<>();
  private PrefixSet reachable = new PrefixSet();
  private long builtAt;
  private long lastWalk;
  private boolean built;

  ReachableBlobs(ManifestRoots roots, BlobFetcher local) {
    this.roots = roots;
    this.local = local;
  }

  @Override
  public synchronized boolean mayServe(NodeId peer, BlobRef ref) throws IOException {
    long now = System.nanoTime();
    if (!built || now - builtAt > MAX_AGE_NANOS) {
      rebuild(now);
      return reachable.contains(ref);
    }
    if (reachable.contains(ref)) {
      return true;
    }
    long wait = MIN_WALK_GAP_NANOS - (now - lastWalk);
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while indexing reachable blobs");
      }
    }
    lastWalk = System.nanoTime();
    walkNewRoots();
    return reachable.contains(ref);
  }

  /** Blobs in the index (for logs and tests). */
  synchronized int size() {
    return reachable.size();
  }

  private void rebuild(long now) throws IOException {
    long t0 = System.nanoTime();
    walkedRoots = new HashSet<>();
    reachable = new PrefixSet();
    walkNewRoots();
    built = true;
    builtAt = now;
    lastWalk = now;
    LOG.info(
        "indexed {} blobs reachable from {} roots in {} ms",
        reachable.size(),
        walkedRoots.size(),
        (System.nanoTime() - t0) / 1_000_000);
  }

  private void walkNewRoots() throws IOException {
    roots.forEach(
        manifest -> {
          if (walkedRoots.add(manifest)) {
            reachable.add(manifest);
            walk(manifest, 0);
          }
        });
  }

  private void walk(BlobRef node, int depth) throws IOException {
    Manifest m;
    try {
      m = Manifest.decode(local.fetch(node));
    } catch (BlobNotFoundException | CorruptBlobException | MalformedManifestException e) {
      return; // not held here: nothing below it is served from here
    }
    if (depth > Manifest.MAX_LEVEL) {
      return;
    }
    for (int i = 0; i < m.entryCount(); i++) {
      if (m.isHole(i)) {
        continue;
      }
      BlobRef child = m.ref(i);
      reachable.add(child);
      if (!m.isLeaf()) {
        walk(child, depth + 1);
      }
    }
  }

  /** The first 8 bytes of refs, in an open-addressing table (0 stands for an empty slot). */
  static final class PrefixSet {
    private long[] slots = new long[1024];
    private int size;

    private static long key(BlobRef ref) {
      long k = 0;
      byte[] b = ref.bytes();
      for (int i = 0; i < 8; i++) {
        k = (k << 8) | (b[i] & 0xff);
      }
      return k == 0 ? 1 : k;
    }

    void add(BlobRef ref) {
      if (size * 2 >= slots.length) {
        long[] old = slots;
        slots = new long[old.length * 2];
        size = 0;
        for (long k : old) {
          if (k != 0) {
            insert(k);
          }
        }
      }
      insert(key(ref));
    }

    private void insert(long k) {
      int mask = slots.length - 1;
      int i = (int) (k ^ (k >>> 32)) & mask;
      while (slots[i] != 0) {
        if (slots[i] == k) {
          return;
        }
        i = (i + 1) & mask;
      }
      slots[i] = k;
      size++;
    }

    boolean contains(BlobRef ref) {
      long k = key(ref);
      int mask = slots.length - 1;
      int i = (int) (k ^ (k >>> 32)) & mask;
      while (slots[i] != 0) {
        if (slots[i] == k) {
          return true;
        }
        i = (i + 1) & mask;
      }
      return false;
    }

    int size() {
      return size;
    }
  }
}
