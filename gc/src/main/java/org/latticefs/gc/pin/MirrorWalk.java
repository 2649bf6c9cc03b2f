package org.latticefs.gc.pin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStatter;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.Hold;

/**
 * One pass of the mirror over one store's manifests: holds every blob they reach, reads manifest
 * nodes here (or fetches them, in turn), and fetches missing chunks from peers with at most {@code
 * concurrency} in flight, storing each through the hold (which checks it against its ref once
 * more). {@link #close} waits for the fetches in flight, so the hold outlives them.
 *
 * <p>Memory: the hold (about 8 bytes per ref), one decoded node per tree level, and at most {@code
 * concurrency} chunks in flight. {@link #manifest} is called from one thread; the fetches run on
 * the given pool.
 */
final class MirrorWalk extends TreeWalk implements AutoCloseable {
  private final BlobFetcher localReads;
  private final BlobStatter statter;
  private final BlobFetcher remote;
  private final Hold hold;
  private final ExecutorService pool;
  private final int concurrency;
  private final Semaphore slots;
  private final MirrorStats.Store progress;
  private final List<String> problems = new ArrayList<>();

  MirrorWalk(
      BlobFetcher localReads,
      BlobStatter statter,
      BlobFetcher remote,
      Hold hold,
      ExecutorService pool,
      int concurrency,
      MirrorStats.Store progress) {
    this.localReads = localReads;
    this.statter = statter;
    this.remote = remote;
    this.hold = hold;
    this.pool = pool;
    this.concurrency = concurrency;
    this.slots = new Semaphore(concurrency);
    this.progress = progress;
  }

  /** Walks {@code ref}'s tree. */
  void manifest(BlobRef ref) throws IOException {
    walk(ref);
  }

  /** Waits for every fetch in flight. */
  void finish() throws IOException {
    try {
      slots.acquire(concurrency);
      slots.release(concurrency);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("stopped while mirroring");
    }
  }

  /** Why blobs could not be had (the first {@value TreeFetcher#MAX_LISTED}); empty if whole. */
  synchronized List<String> problems() {
    return List.copyOf(problems);
  }

  @Override
  Optional<byte[]> manifestBytes(BlobRef ref) throws IOException {
    hold.hold(ref);
    try {
      byte[] b = localReads.fetch(ref);
      progress.present(b.length);
      return Optional.of(b);
    } catch (BlobNotFoundException | CorruptBlobException e) {
      // A manifest fetched on the walk's thread takes a slot too: {@code concurrency} bounds every
      // fetch of this walk in flight, not only the chunks'.
      acquireSlot();
      try {
        return fetchAndStore(ref);
      } finally {
        slots.release();
      }
    }
  }

  private void acquireSlot() throws IOException {
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("stopped while mirroring");
    }
  }

  @Override
  void chunk(BlobRef ref) throws IOException {
    hold.hold(ref);
    Optional<BlobInfo> here = statter.stat(ref);
    if (here.isPresent()) {
      progress.present(here.get().size());
      return;
    }
    acquireSlot();
    try {
      pool.execute(
          () -> {
            try {
              fetchAndStore(ref);
            } catch (IOException | RuntimeException e) {
              problem(ref.hex() + ": " + e.getMessage());
            } finally {
              slots.release();
            }
          });
    } catch (RejectedExecutionException e) {
      slots.release();
      throw new java.io.InterruptedIOException("the mirror is stopping");
    }
  }

  /** Fetches {@code ref} from peers and stores it through the hold; empty if it could not be. */
  private Optional<byte[]> fetchAndStore(BlobRef ref) throws IOException {
    byte[] data;
    try {
      data = remote.fetch(ref);
    } catch (BlobNotFoundException e) {
      problem(ref.hex() + " is not here and no connected peer has it");
      return Optional.empty();
    }
    BlobRef got = hold.receive(data);
    if (!got.equals(ref)) {
      problem("a copy of " + ref.hex() + " hashed to " + got.hex() + "; not kept as it");
      return Optional.empty();
    }
    progress.fetched(data.length);
    return Optional.of(data);
  }

  @Override
  synchronized void problem(String what) {
    progress.missing();
    if (problems.size() < TreeFetcher.MAX_LISTED) {
      problems.add(what);
    }
  }

  @Override
  public void close() throws IOException {
    finish();
  }
}
