package org.latticefs.cas.chunk;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobReceiver;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.Futures;

/**
 * Threads that store an ingest's chunks, each with its own {@link BlobBatch} used only on that
 * thread: chunk {@code k} goes to thread {@code k mod n}, so hashing and writing overlap the
 * caller's reading and cutting. The threads live until {@link #close()}.
 */
final class ChunkWriters {
  private final BlobReceiver receiver;
  private final ExecutorService[] threads;
  // batches[i] is used on threads[i] only (after construction).
  private final BlobBatch[] batches;
  private final List<CompletableFuture<Void>> interim = new ArrayList<>();
  private ExecutorService committer;
  private volatile boolean closed;

  ChunkWriters(BlobReceiver receiver, int n) throws IOException {
    this.receiver = receiver;
    threads = new ExecutorService[n];
    batches = new BlobBatch[n];
    for (int i = 0; i < n; i++) {
      threads[i] = singleThread("lattice-chunk-writer");
    }
    try {
      for (int i = 0; i < n; i++) {
        batches[i] = Futures.await(threads[i].submit(receiver::newBatch));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private static ExecutorService singleThread(String name) {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  Future<BlobRef> receive(int k, byte[] buf, int off, int len) {
    int i = k % threads.length;
    return threads[i].submit(() -> batches[i].receive(buf, off, len));
  }

  /**
   * Commits what every batch received so far, without holding up later receives: each writer
   * thread, in order with its receives, hands its batch to a committer thread and carries on with a
   * fresh one. Does not wait; a failure is thrown by a later call or by {@link #commit}.
   */
  void commitInBackground() throws IOException {
    for (CompletableFuture<Void> f : interim) {
      if (f.isDone()) {
        Futures.await(f);
      }
    }
    interim.removeIf(CompletableFuture::isDone);
    if (committer == null) {
      committer = singleThread("lattice-chunk-commit");
    }
    for (int i = 0; i < threads.length; i++) {
      int w = i;
      CompletableFuture<Void> done = new CompletableFuture<>();
      interim.add(done);
      threads[w].execute(
          () -> {
            BlobBatch old = batches[w];
            try {
              batches[w] = receiver.newBatch();
            } catch (RuntimeException e) {
              done.completeExceptionally(e);
              return;
            }
            committer.execute(() -> commitAndClose(old, done));
          });
    }
  }

  private void commitAndClose(BlobBatch batch, CompletableFuture<Void> done) {
    try (batch) {
      if (!closed) {
        batch.commit();
      }
      done.complete(null);
    } catch (Throwable e) {
      done.completeExceptionally(e);
    }
  }

  /** Commits every batch and waits, also for earlier background commits (any failure throws). */
  void commit() throws IOException {
    List<Future<Void>> done = new ArrayList<>();
    for (int i = 0; i < threads.length; i++) {
      int w = i;
      done.add(
          threads[w].submit(
              () -> {
                batches[w].commit();
                return null;
              }));
    }
    for (Future<Void> f : interim) {
      Futures.await(f);
    }
    for (Future<Void> f : done) {
      Futures.await(f);
    }
  }

  /**
   * Closes every batch on its thread and stops the threads, waiting for queued work; background
   * commits not started yet only close their batch.
   */
  void close() throws IOException {
    closed = true;
    IOException first = null;
    for (int i = 0; i < threads.length; i++) {
      int w = i;
      try {
        Futures.await(
            threads[w].submit(
                () -> {
                  if (batches[w] != null) {
                    batches[w].close();
                  }
                  return null;
                }));
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    List<ExecutorService> all = new ArrayList<>(List.of(threads));
    if (committer != null) {
      all.add(committer);
    }
    for (ExecutorService t : all) {
      t.shutdown();
    }
    boolean interrupted = false;
    for (ExecutorService t : all) {
      while (true) {
        try {
          if (t.awaitTermination(1, TimeUnit.MINUTES)) {
            break;
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (first != null) {
      throw first;
    }
  }
}
