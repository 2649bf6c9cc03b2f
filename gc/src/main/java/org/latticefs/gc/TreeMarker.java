package org.latticefs.gc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.Manifest;

/**
 * Marks everything a manifest's tree reaches as live: the manifest nodes (read through the local
 * store) and the chunks they list. A node that cannot be read (absent here, corrupt, not a
 * manifest) is recorded as a problem: the chunks below it are unknown, so the pass that owns this
 * marker must not sweep.
 *
 * <p>Trees shared by several roots (copies, unchanged parts of edited files) are walked once as
 * long as they are among the last {@value #RECENT} nodes walked (an exact memory, not the Bloom
 * filter: skipping a subtree on a false positive would lose its chunks). Not thread-safe.
 */
final class TreeMarker {
  static final int RECENT = 4096;
  static final int MAX_PROBLEMS = 100;

  private final BlobFetcher local;
  private final LiveSet live;
  private final Map<BlobRef, Boolean> recent =
      new LinkedHashMap<>(RECENT * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<BlobRef, Boolean> eldest) {
          return size() > RECENT;
        }
      };
  private final List<String> problems = new ArrayList<>();
  private long problemCount;
  private long nodes;
  private long chunks;

  TreeMarker(BlobFetcher local, LiveSet live) {
    this.local = local;
    this.live = live;
  }

  /** Marks {@code manifest} and its whole tree. */
  void mark(BlobRef manifest) throws IOException {
    live.add(manifest);
    walk(manifest, 0, false);
  }

  /**
   * Marks what is here of {@code manifest}'s tree, a tree still being fetched (a pending pin): a
   * node not here yet is no problem (nothing below it is here through it), a corrupt one is.
   */
  void markPartial(BlobRef manifest) throws IOException {
    live.add(manifest);
    walk(manifest, 0, true);
  }

  /**
   * Forgets which nodes were walked: called after the partial roots, so a whole tree sharing a node
   * with a partial one is walked itself and reports what is missing below it.
   */
  void forgetWalked() {
    recent.clear();
  }

  private void walk(BlobRef node, int depth, boolean partial) throws IOException {
    if (recent.put(node, Boolean.TRUE) != null) {
      return;
    }
    Manifest m;
    try {
      m = Manifest.decode(local.fetch(node));
    } catch (BlobNotFoundException e) {
      if (partial) {
        // Not remembered as walked: a whole tree naming the same node must report it missing.
        recent.remove(node);
      } else {
        problem("manifest " + node.hex() + " is not in this node's blob store");
      }
      return;
    } catch (CorruptBlobException e) {
      problem("manifest " + node.hex() + " is corrupt (quarantined)");
      return;
    } catch (MalformedManifestException e) {
      problem("blob " + node.hex() + " is named as a manifest but is not one: " + e.getMessage());
      return;
    }
    nodes++;
    if (depth > Manifest.MAX_LEVEL) {
      problem("manifest tree under " + node.hex() + " is deeper than " + Manifest.MAX_LEVEL);
      return;
    }
    for (int i = 0; i < m.entryCount(); i++) {
      if (m.isHole(i)) {
        continue;
      }
      BlobRef child = m.ref(i);
      live.add(child);
      if (m.isLeaf()) {
        chunks++;
      } else {
        walk(child, depth + 1, partial);
      }
    }
  }

  private void problem(String what) {
    problemCount++;
    if (problems.size() < MAX_PROBLEMS) {
      problems.add(what);
    }
  }

  /** What could not be walked (the first {@value #MAX_PROBLEMS}). */
  List<String> problems() {
    return List.copyOf(problems);
  }

  /** How many nodes could not be walked. */
  long problemCount() {
    return problemCount;
  }

  /** Manifest nodes read. */
  long nodes() {
    return nodes;
  }

  /** Chunk entries marked (a chunk listed twice counts twice). */
  long chunks() {
    return chunks;
  }
}
