package org.latticefs.node;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;

/**
 * Gives reads of the mount priority over background fetching (the mirror of full stores): wraps the
 * peers' fetcher twice, once for reads ({@link #foreground}), whose fetches in flight it counts,
 * and once for background work ({@link #background}), whose every fetch first waits while any read
 * waits for a peer. A background fetch waits at most {@link #MAX_WAIT} per blob, so a steady stream
 * of reads slows the mirror down but never stops it.
 *
 * <p>Thread-safe.
 */
public final class ReadsFirst {
  /** The longest a background fetch yields to reads before it goes anyway. */
  static final Duration MAX_WAIT = Duration.ofSeconds(2);

  private final Object lock = new Object();
  private int reading; // guarded by lock
  private long yielded; // guarded by lock

  /** {@code peers} for reads: counted while in flight (whole blobs and ranges alike). */
  public BlobFetcher foreground(BlobFetcher peers) {
    return new BlobFetcher() {
      @Override
      public byte[] fetch(BlobRef ref) throws IOException {
        return counted(() -> peers.fetch(ref));
      }

      @Override
      public byte[] fetchRange(BlobRef ref, long offset, int length) throws IOException {
        return counted(() -> peers.fetchRange(ref, offset, length));
      }

      @Override
      public int fetchInto(BlobRef ref, byte[] dst) throws IOException {
        return counted(() -> peers.fetchInto(ref, dst));
      }

      @Override
      public String toString() {
        return peers.toString();
      }
    };
  }

  private interface Read<T> {
    T run() throws IOException;
  }

  private <T> T counted(Read<T> read) throws IOException {
    synchronized (lock) {
      reading++;
    }
    try {
      return read.run();
    } finally {
      synchronized (lock) {
        reading--;
        lock.notifyAll();
      }
    }
  }

  /** {@code peers} for background work: each fetch waits while reads are in flight. */
  public BlobFetcher background(BlobFetcher peers) {
    return new BlobFetcher() {
      @Override
      public byte[] fetch(BlobRef ref) throws IOException {
        yieldToReads();
        return peers.fetch(ref);
      }
    };
  }

  /** How many background fetches waited for reads so far. */
  public long yielded() {
    synchronized (lock) {
      return yielded;
    }
  }

  private void yieldToReads() throws InterruptedIOException {
    long end = System.nanoTime() + MAX_WAIT.toNanos();
    synchronized (lock) {
      if (reading > 0) {
        yielded++;
      }
      while (reading > 0) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          lock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("stopped while waiting for reads");
        }
      }
    }
  }
}
