package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits the calls that may change a disk store and refuses them once it is closed, counting those
 * running so that a close can tell whether it closed an idle store.
 *
 * <p>A call is counted before the closed check ({@link #enter}), so a {@link #close} either sees
 * the call in {@link #active()} or the call sees the close and fails with an {@link IOException}.
 * Thread-safe.
 */
final class StoreGate {
  private final Path root;
  private final AtomicInteger active = new AtomicInteger();
  private volatile boolean closed;

  /**
   * @param root named in the message of a refused call
   */
  StoreGate(Path root) {
    this.root = root;
  }

  /** Starts a call that may change the store; {@link #exit()} ends it. */
  private void enter() throws IOException {
    active.incrementAndGet();
    if (closed) {
      active.decrementAndGet();
      checkOpen();
    }
  }

  /** A call that may change the store. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws IOException;
  }

  /** Runs {@code call} between {@link #enter()} and {@link #exit()}. */
  <T> T run(Call<T> call) throws IOException {
    enter();
    try {
      return call.run();
    } finally {
      exit();
    }
  }

  /** Ends a call {@link #enter()} started. */
  private void exit() {
    active.decrementAndGet();
  }

  /** Throws if the store is closed (for calls that change nothing). */
  void checkOpen() throws IOException {
    if (closed) {
      throw new IOException("blob store " + root + " is closed");
    }
  }

  boolean closed() {
    return closed;
  }

  /** Refuses every later call; false if it was closed already. */
  boolean close() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }

  /** Calls running now. */
  int active() {
    return active.get();
  }
}
