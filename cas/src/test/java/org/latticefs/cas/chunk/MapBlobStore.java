package org.latticefs.cas.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.hash.Blake3;

/**
 * A small in-memory store for these tests: counts what is received, newly stored and fetched, and
 * can hand out tampered bytes to check that readers reject them.
 */
final class MapBlobStore implements BlobStore {
  final ConcurrentSkipListMap<BlobRef, byte[]> blobs = new ConcurrentSkipListMap<>();
  final AtomicLong receives = new AtomicLong();
  final AtomicLong newBlobs = new AtomicLong();
  final AtomicLong newBytes = new AtomicLong();
  final AtomicLong fetches = new AtomicLong();
  final AtomicLong commits = new AtomicLong();

  @Override
  public byte[] fetch(BlobRef ref) throws IOException {
    fetches.incrementAndGet();
    byte[] b = blobs.get(ref);
    if (b == null) {
      throw new BlobNotFoundException(ref);
    }
    if (!Blake3.hash(b).equals(ref)) {
      throw new CorruptBlobException(ref, "content does not match");
    }
    return b.clone();
  }

  @Override
  public BlobRef receive(byte[] data, int off, int len) {
    receives.incrementAndGet();
    BlobRef ref = Blake3.hash(data, off, len);
    if (blobs.putIfAbsent(ref, java.util.Arrays.copyOfRange(data, off, off + len)) == null) {
      newBlobs.incrementAndGet();
      newBytes.addAndGet(len);
    }
    return ref;
  }

  @Override
  public BlobRef receive(InputStream in) throws IOException {
    return receive(in.readAllBytes());
  }

  @Override
  public BlobBatch newBatch() {
    return new BlobBatch() {
      @Override
      public BlobRef receive(byte[] data, int off, int len) {
        return MapBlobStore.this.receive(data, off, len);
      }

      @Override
      public void commit() {
        commits.incrementAndGet();
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public Optional<BlobInfo> stat(BlobRef ref) {
    byte[] b = blobs.get(ref);
    return b == null ? Optional.empty() : Optional.of(new BlobInfo(ref, b.length));
  }

  @Override
  public List<BlobInfo> enumerate(Optional<BlobRef> after, int limit) {
    List<BlobInfo> out = new ArrayList<>();
    var view = after.isPresent() ? blobs.tailMap(after.get(), false) : blobs;
    for (var e : view.entrySet()) {
      if (out.size() == limit) {
        break;
      }
      out.add(new BlobInfo(e.getKey(), e.getValue().length));
    }
    return out;
  }

  @Override
  public boolean remove(BlobRef ref) {
    return blobs.remove(ref) != null;
  }

  @Override
  public void close() {}
}
