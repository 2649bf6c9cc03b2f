package org.latticefs.gc.pin;

import java.io.IOException;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.kv.Stores;

/**
 * The current content of the stores this node keeps in one {@link StoreMode}, as roots: for each
 * store whose mode here is that one (read when the roots are read, not when this is built), every
 * manifest its root folder reaches now, through {@link InodeTrees}. Thread-safe.
 */
public final class ModeRoots {
  /** The id of every store's root folder, as the filesystem writes it. */
  static final String ROOT_INODE = StoreMirror.ROOT_INODE;

  private final Stores stores;
  private final Presence presence;
  private final InodeTrees trees;

  public ModeRoots(Stores stores, Presence presence, InodeTrees trees) {
    this.stores = stores;
    this.presence = presence;
    this.trees = trees;
  }

  /** The manifests of the stores this node keeps in {@code mode}. */
  public ManifestRoots of(StoreMode mode) {
    return sink -> forEach(mode, sink);
  }

  private void forEach(StoreMode mode, ManifestRoots.Sink sink) throws IOException {
    for (Stores.StoreInfo s : stores.listStores()) {
      if (presence.mode(presence.node(), s.id()) == mode) {
        trees.forEach(s.id(), ROOT_INODE, sink);
      }
    }
  }
}
