package org.latticefs.gc;

import java.io.IOException;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.cas.store.HoldTable;
import org.latticefs.cas.store.MemoryBlobStore;

/**
 * What the collector needs of a blob store: its blobs (enumerated, fetched locally, removed), its
 * holds, how many blobs it has (to size the live set) and what it has quarantined (reported, never
 * removed: quarantined copies are not among the blobs it enumerates).
 */
public interface CollectableStore {
  /** The store itself; {@link BlobStore#remove} must refuse held refs. */
  BlobStore blobs();

  HoldTable holds();

  /** Blobs present now (an estimate is fine: it only sizes the live set). */
  long blobCount() throws IOException;

  /** Refs found corrupt and set aside. */
  Set<BlobRef> quarantined();

  static CollectableStore of(DiskBlobStore store) {
    return of(store, store.holds(), store::blobCount, store::corruptRefs);
  }

  static CollectableStore of(MemoryBlobStore store) {
    return of(store, store.holds(), store::size, store::corruptRefs);
  }

  private static CollectableStore of(
      BlobStore blobs, HoldTable holds, LongSupplier count, Supplier<Set<BlobRef>> quarantined) {
    return new CollectableStore() {
      @Override
      public BlobStore blobs() {
        return blobs;
      }

      @Override
      public HoldTable holds() {
        return holds;
      }

      @Override
      public long blobCount() {
        return count.getAsLong();
      }

      @Override
      public Set<BlobRef> quarantined() {
        return quarantined.get();
      }
    };
  }
}
