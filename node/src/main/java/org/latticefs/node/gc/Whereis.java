package org.latticefs.node.gc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.Manifest;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.gc.pin.PinState;
import org.latticefs.gc.pin.PinTarget;
import org.latticefs.gc.pin.Presence;
import org.latticefs.gc.pin.StoreMode;

/**
 * Answers {@code whereis PATH|HASH}: which nodes say they keep a file version (a whole-store claim
 * of a {@code full} node, presence of a hash pin, this node's own pins) and how much of it is here
 * now (every blob of the tree looked up, manifest nodes read). JSON-ready maps. Thread-safe.
 */
final class Whereis {
  private final Presence presence;
  private final DiskBlobStore blobs;

  Whereis(Presence presence, DiskBlobStore blobs) {
    this.presence = presence;
    this.blobs = blobs;
  }

  /**
   * Where {@code manifest} is kept; {@code store} and {@code inode} (both null for a bare hash) say
   * which file of which store it is the content of.
   */
  Map<String, Object> answer(String what, BlobRef manifest, UUID store, String inode)
      throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", what);
    m.put("manifest", manifest == null ? null : manifest.hex());
    List<Object> nodes = new ArrayList<>();
    String self = presence.node();
    if (store != null) {
      m.put("store_id", store.toString());
      m.put("mode_here", presence.mode(self, store).text());
      for (Map.Entry<String, String> e : presence.wholeStoreHolders(store).entrySet()) {
        nodes.add(row(e.getKey(), "keeps the whole store (" + e.getValue() + ")"));
      }
      if (inode != null) {
        presence
            .inodePin(self, store, inode)
            .ifPresent(s -> nodes.add(row(self, "pinned this file or folder (" + s + ")")));
      }
    }
    if (manifest != null) {
      for (Map.Entry<String, String> e : presence.manifestHolders(manifest).entrySet()) {
        nodes.add(row(e.getKey(), "pinned this version (" + e.getValue() + ")"));
      }
      presence
          .root()
          .get(new PinTarget.Manifest(manifest).key(self))
          .flatMap(PinState::parse)
          .filter(s -> s == PinState.PENDING)
          .ifPresent(s -> nodes.add(row(self, "pin pending")));
      long[] here = local(manifest);
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("blobs", here[1]);
      h.put("present", here[0]);
      h.put("present_bytes", here[2]);
      h.put("complete", here[0] == here[1] && here[3] == 0);
      m.put("here", h);
    }
    m.put("nodes", nodes);
    m.put("store_mode_default", StoreMode.FULL.text());
    return m;
  }

  private static Map<String, Object> row(String node, String how) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("node", node);
    r.put("how", how);
    return r;
  }

  /** {present blobs, blobs, present bytes, unreadable nodes} of the tree, looked up here. */
  private long[] local(BlobRef manifest) throws IOException {
    long[] c = new long[4];
    walk(manifest, 0, c);
    return c;
  }

  private void walk(BlobRef ref, int depth, long[] c) throws IOException {
    c[1]++;
    var info = blobs.stat(ref);
    if (info.isEmpty()) {
      c[3]++;
      return;
    }
    c[0]++;
    c[2] += info.get().size();
    Manifest m;
    try {
      m = Manifest.decode(blobs.fetch(ref));
    } catch (BlobNotFoundException | CorruptBlobException | MalformedManifestException e) {
      c[3]++;
      return;
    }
    for (int i = 0; i < m.entryCount() && depth <= Manifest.MAX_LEVEL; i++) {
      if (m.isHole(i)) {
        continue;
      }
      if (m.isLeaf()) {
        c[1]++;
        var chunk = blobs.stat(m.ref(i));
        if (chunk.isPresent()) {
          c[0]++;
          c[2] += chunk.get().size();
        }
      } else {
        walk(m.ref(i), depth + 1, c);
      }
    }
  }
}
