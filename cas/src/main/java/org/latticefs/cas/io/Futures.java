package org.latticefs.cas.io;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Waits for futures and hands back what their task threw as itself: the one place that unwraps
 * {@link ExecutionException}.
 *
 * <p>A task's {@link IOException}, {@link RuntimeException} or {@link Error} is rethrown unchanged
 * (so a {@code BlobNotFoundException} stays one for the waiter); any other checked throwable is
 * wrapped in an {@link IOException}. Waiting goes on through interrupts, and the interrupt is
 * restored before returning: the tasks these wait for are bounded, and a waiter that gave up early
 * would leave their results (temp files, open batches) unowned. A cancelled future throws {@link
 * java.util.concurrent.CancellationException}.
 */
public final class Futures {
  private Futures() {}

  /** The value of {@code f}, or what its task threw (see the class doc). */
  public static <T> T await(Future<T> f) throws IOException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } catch (ExecutionException e) {
      throw asThrown(e.getCause());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Waits for every future in {@code futures}, then throws the first failure in list order, if any:
   * no task is still running when this returns or throws.
   */
  public static void awaitAll(List<? extends Future<?>> futures) throws IOException {
    Throwable first = null;
    for (Future<?> f : futures) {
      try {
        await(f);
      } catch (IOException | RuntimeException | Error e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw asThrown(first);
    }
  }

  /**
   * {@code cause} as what a method that throws {@link IOException} throws for it: an {@link
   * IOException} is returned as itself (for the caller to throw), a {@link RuntimeException} or
   * {@link Error} is thrown from here as itself, anything else is wrapped in an {@link
   * IOException}.
   */
  public static IOException asThrown(Throwable cause) {
    if (cause instanceof IOException io) {
      return io;
    }
    if (cause instanceof RuntimeException r) {
      throw r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new IOException(cause);
  }
}
