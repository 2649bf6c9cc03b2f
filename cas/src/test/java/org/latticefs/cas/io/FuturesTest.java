package org.latticefs.cas.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class FuturesTest {
  @Test
  void whatTheTaskThrewComesBackAsItself() {
    FileNotFoundException io = new FileNotFoundException("x");
    assertSame(io, assertThrows(IOException.class, () -> Futures.await(failed(io))));
    IllegalStateException rt = new IllegalStateException("y");
    assertSame(rt, assertThrows(IllegalStateException.class, () -> Futures.await(failed(rt))));
    AssertionError err = new AssertionError("z");
    assertSame(err, assertThrows(AssertionError.class, () -> Futures.await(failed(err))));
    Exception checked = new Exception("w");
    assertSame(
        checked, assertThrows(IOException.class, () -> Futures.await(failed(checked))).getCause());
  }

  @Test
  void awaitAllWaitsForEveryTaskThenThrowsTheFirstFailure() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean lastRan = new AtomicBoolean();
    CompletableFuture<Void> slow =
        CompletableFuture.runAsync(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              lastRan.set(true);
            });
    IOException first = new IOException("first");
    Thread releaser = new Thread(release::countDown);
    releaser.start();
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                Futures.awaitAll(List.of(failed(first), failed(new IOException("second")), slow)));
    assertSame(first, e);
    assertTrue(lastRan.get(), "returned only after every task ended");
    releaser.join();
  }

  @Test
  void anInterruptDoesNotStopTheWaitAndIsKept() throws Exception {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.currentThread().interrupt();
    Thread completer = new Thread(() -> f.complete("done"));
    completer.start();
    assertEquals("done", Futures.await(f));
    assertTrue(Thread.interrupted(), "the interrupt is restored (and cleared here)");
    completer.join();
  }

  private static <T> CompletableFuture<T> failed(Throwable t) {
    CompletableFuture<T> f = new CompletableFuture<>();
    f.completeExceptionally(t);
    return f;
  }
}
