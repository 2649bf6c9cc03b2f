package org.latticefs.gc.pin;

import java.io.IOException;
import java.util.Optional;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.Manifest;

/**
 * The walk of one manifest tree that pins and the mirror share: reads each manifest node (as the
 * subclass gets its bytes), refuses a node that is not a manifest or a tree deeper than {@link
 * Manifest#MAX_LEVEL}, and hands every chunk to the subclass, in order, holes skipped. What "get"
 * and "chunk" mean (look here, fetch, hold) is the subclass's. Not thread-safe.
 */
abstract class TreeWalk {
  /** Walks {@code manifest}'s tree. */
  final void walk(BlobRef manifest) throws IOException {
    node(manifest, 0);
  }

  private void node(BlobRef ref, int depth) throws IOException {
    if (stopped()) {
      return;
    }
    Optional<byte[]> bytes = manifestBytes(ref);
    if (bytes.isEmpty()) {
      return;
    }
    Manifest m;
    try {
      m = Manifest.decode(bytes.get());
    } catch (MalformedManifestException e) {
      problem(
          "blob " + ref.hex() + " is referenced as a manifest but is not one: " + e.getMessage());
      return;
    }
    if (depth > Manifest.MAX_LEVEL) {
      problem("manifest tree under " + ref.hex() + " is deeper than " + Manifest.MAX_LEVEL);
      return;
    }
    for (int i = 0; i < m.entryCount(); i++) {
      if (m.isHole(i)) {
        continue;
      }
      if (m.isLeaf()) {
        chunk(m.ref(i));
      } else {
        node(m.ref(i), depth + 1);
      }
    }
  }

  /** Whether the walk should stop (its pin was removed, the node is closing). */
  boolean stopped() {
    return false;
  }

  /** The bytes of manifest node {@code ref}; empty if it could not be had (a problem noted). */
  abstract Optional<byte[]> manifestBytes(BlobRef ref) throws IOException;

  /** One chunk of the tree. */
  abstract void chunk(BlobRef ref) throws IOException;

  /** Something of the tree could not be had or read. */
  abstract void problem(String what);
}
