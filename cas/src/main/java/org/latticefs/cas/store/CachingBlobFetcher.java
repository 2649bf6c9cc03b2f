package org.latticefs.cas.store;

import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.Futures;

/**
 * A {@link BlobFetcher} that keeps recently fetched blobs in memory, bounded by their total size in
 * bytes, evicting the least recently used.
 *
 * <p>Only what the underlying fetcher returned (verified by it) is cached; failures are never
 * cached, so a missing blob is asked for again next time. Concurrent misses for the same ref share
 * one underlying fetch. Blobs larger than an eighth of the capacity are passed through uncached so
 * one huge blob cannot flush the cache. Every call returns a fresh array the caller may modify.
 * Range reads ({@link #fetchRange}) are served from a cached blob, else by the source's own range
 * read, and never fill the cache.
 *
 * <p>Thread-safe. Holds no resources beyond heap; nothing to close.
 */
public final class CachingBlobFetcher implements BlobFetcher {
  private final BlobFetcher source;
  private final long capacityBytes;
  private final long maxEntryBytes;
  private final LinkedHashMap<BlobRef, byte[]> lru = new LinkedHashMap<>(64, 0.75f, true);
  private final ConcurrentHashMap<BlobRef, CompletableFuture<byte[]>> inflight =
      new ConcurrentHashMap<>();
  private long sizeBytes;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();
  private final AtomicLong evictions = new AtomicLong();

  /**
   * @param source where misses are fetched from
   * @param capacityBytes the most blob bytes held at once
   */
  public CachingBlobFetcher(BlobFetcher source, long capacityBytes) {
    this.source = Objects.requireNonNull(source, "source");
    if (capacityBytes < 0) {
      throw new IllegalArgumentException("capacityBytes must be >= 0, got " + capacityBytes);
    }
    this.capacityBytes = capacityBytes;
    this.maxEntryBytes = capacityBytes / 8;
  }

  @Override
  public byte[] fetch(BlobRef ref) throws IOException {
    byte[] cached = lookup(ref);
    if (cached != null) {
      hits.incrementAndGet();
      return cached.clone();
    }
    CompletableFuture<byte[]> mine = new CompletableFuture<>();
    CompletableFuture<byte[]> other = inflight.putIfAbsent(ref, mine);
    if (other != null) {
      hits.incrementAndGet();
      return Futures.await(other).clone();
    }
    try {
      // Re-check: a fetch that just finished may have filled the cache before we registered.
      byte[] data = lookup(ref);
      if (data == null) {
        misses.incrementAndGet();
        data = source.fetch(ref);
        insert(ref, data);
      } else {
        hits.incrementAndGet();
      }
      mine.complete(data);
      return data.clone();
    } catch (IOException | RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inflight.remove(ref, mine);
    }
  }

  /**
   * Copies the cached blob when it is cached (a hit); otherwise reads it through the source's own
   * {@link BlobFetcher#fetchInto} (a miss) and caches nothing: a caller with its own buffer reads
   * the blob once, as a stream does.
   */
  @Override
  public int fetchInto(BlobRef ref, byte[] dst) throws IOException {
    byte[] cached = lookup(ref);
    if (cached == null) {
      misses.incrementAndGet();
      return source.fetchInto(ref, dst);
    }
    if (cached.length > dst.length) {
      throw BlobFetcher.tooLong(ref, cached.length, dst.length);
    }
    hits.incrementAndGet();
    System.arraycopy(cached, 0, dst, 0, cached.length);
    return cached.length;
  }

  /**
   * Slices the range out of the cached blob when it is cached (a hit); otherwise asks the source
   * for just the range (a miss) and caches nothing, since a range is not the blob. A whole-blob
   * {@link #fetch} in flight for the same ref is not waited for.
   */
  @Override
  public byte[] fetchRange(BlobRef ref, long offset, int length) throws IOException {
    BlobFetcher.checkRange(ref, offset, length, Long.MAX_VALUE);
    byte[] cached = lookup(ref);
    if (cached == null) {
      misses.incrementAndGet();
      return source.fetchRange(ref, offset, length);
    }
    BlobFetcher.checkRange(ref, offset, length, cached.length);
    hits.incrementAndGet();
    return Arrays.copyOfRange(cached, (int) offset, (int) offset + length);
  }

  /** Drops {@code ref} from the cache (e.g. after it was found corrupt elsewhere). */
  public void invalidate(BlobRef ref) {
    synchronized (lru) {
      byte[] old = lru.remove(ref);
      if (old != null) {
        sizeBytes -= old.length;
      }
    }
  }

  /** Bytes currently cached. */
  public long sizeBytes() {
    synchronized (lru) {
      return sizeBytes;
    }
  }

  /** Blobs currently cached. */
  public int entries() {
    synchronized (lru) {
      return lru.size();
    }
  }

  /** Fetches answered without asking the source (including joins of an in-flight fetch). */
  public long hits() {
    return hits.get();
  }

  /** Fetches that asked the source. */
  public long misses() {
    return misses.get();
  }

  /** Blobs dropped to make room. */
  public long evictions() {
    return evictions.get();
  }

  private byte[] lookup(BlobRef ref) {
    synchronized (lru) {
      return lru.get(ref);
    }
  }

  private void insert(BlobRef ref, byte[] data) {
    if (data.length > maxEntryBytes) {
      return;
    }
    synchronized (lru) {
      byte[] old = lru.put(ref, data);
      if (old != null) {
        sizeBytes -= old.length;
      }
      sizeBytes += data.length;
      Iterator<Map.Entry<BlobRef, byte[]>> it = lru.entrySet().iterator();
      while (sizeBytes > capacityBytes && it.hasNext()) {
        Map.Entry<BlobRef, byte[]> e = it.next();
        it.remove();
        sizeBytes -= e.getValue().length;
        evictions.incrementAndGet();
      }
    }
  }
}
