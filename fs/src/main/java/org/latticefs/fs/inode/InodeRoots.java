package org.latticefs.fs.inode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores;
import org.latticefs.kv.state.StateView;

/**
 * The filesystem's side of the garbage collector's roots: every manifest an inode of a live store
 * names, in every concurrent head of its key (a conflict loser, or an edit that lost to a delete,
 * is a user's version too). Stores whose declaration was removed are not walked: their data is
 * garbage.
 *
 * <p>Each store is read from one snapshot of its state (a consistent view that never blocks its
 * writer), one store after another. A store that cannot be opened (damaged) or an inode that cannot
 * be decoded fails the whole walk: a collector must not run on a partial set of roots. Thread-safe;
 * keeps nothing between calls, and holds one store's scan position at a time.
 */
public final class InodeRoots implements ManifestRoots {
  private static final String INODES = "/inodes/";

  private final Stores stores;

  public InodeRoots(Stores stores) {
    this.stores = stores;
  }

  @Override
  public void forEach(Sink sink) throws IOException {
    for (Stores.StoreInfo info : stores.listStores()) {
      Store store;
      try {
        store = stores.open(info.id());
      } catch (KvException e) {
        throw new IOException(
            "cannot read the inodes of store '"
                + info.name()
                + "' ("
                + info.id()
                + "), so no blob can be known to be garbage: "
                + e.getMessage(),
            e);
      }
      walk(info, store, sink);
    }
  }

  private static void walk(Stores.StoreInfo info, Store store, Sink sink) throws IOException {
    try (Store.Snapshot snap = store.snapshot()) {
      if (!(snap instanceof StateView view)) {
        throw new IOException(
            "store '" + info.name() + "' gives no scannable view of its state; cannot walk it");
      }
      try {
        view.scan(
            INODES,
            (key, heads) -> {
              List<Inode> live;
              try {
                live =
                    LiveInodes.of(heads, () -> "inode " + key + " of store '" + info.name() + "'");
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              for (Inode inode : live) {
                BlobRef m = inode.manifest();
                if (m != null) {
                  try {
                    sink.root(m);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }
              }
              return true;
            });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
  }
}
