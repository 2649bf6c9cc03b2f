package org.latticefs.gc.pin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the mirror of full stores did since this process started: plain counters a metrics registry
 * reads at scrape time, and per store how far its last walk got (for {@code status}). Thread-safe.
 */
public final class MirrorStats {
  private final AtomicLong fetchedBlobs = new AtomicLong();
  private final AtomicLong fetchedBytes = new AtomicLong();
  private final AtomicLong missingBlobs = new AtomicLong();
  private final AtomicLong walks = new AtomicLong();

  /** Blobs fetched from peers and stored here. */
  public long fetchedBlobs() {
    return fetchedBlobs.get();
  }

  /** Their bytes. */
  public long fetchedBytes() {
    return fetchedBytes.get();
  }

  /** Blobs that could not be had, summed over walks (a blob missing in two walks counts twice). */
  public long missingBlobs() {
    return missingBlobs.get();
  }

  /** Walks finished. */
  public long walks() {
    return walks.get();
  }

  Store store() {
    return new Store();
  }

  /** One store's progress. */
  final class Store {
    private final AtomicLong blobs = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong fetched = new AtomicLong();
    private final AtomicLong missing = new AtomicLong();
    private volatile String phase = "queued";
    private volatile List<String> problems = List.of();

    void start() {
      blobs.set(0);
      bytes.set(0);
      fetched.set(0);
      missing.set(0);
      phase = "walking";
    }

    void present(long size) {
      blobs.incrementAndGet();
      bytes.addAndGet(size);
    }

    void fetched(long size) {
      present(size);
      fetched.addAndGet(size);
      fetchedBlobs.incrementAndGet();
      fetchedBytes.addAndGet(size);
    }

    void missing() {
      missing.incrementAndGet();
      missingBlobs.incrementAndGet();
    }

    void finish(List<String> why) {
      problems = List.copyOf(why);
      phase = why.isEmpty() ? "whole" : "incomplete";
      walks.incrementAndGet();
    }

    void failed(String why) {
      problems = List.of(why);
      phase = "failed";
    }

    /** New content arrived since the last walk. */
    void stale() {
      if (phase.equals("whole")) {
        phase = "behind";
      }
    }

    boolean whole() {
      return phase.equals("whole");
    }

    Map<String, Object> row() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("phase", phase);
      m.put("blobs", blobs.get());
      m.put("bytes", bytes.get());
      m.put("fetched_bytes", fetched.get());
      m.put("missing", missing.get());
      m.put("problems", List.copyOf(problems));
      return m;
    }
  }
}
