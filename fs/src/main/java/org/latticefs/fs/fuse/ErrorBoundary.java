package org.latticefs.fs.fuse;

import org.latticefs.fs.FsErrors;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.FsOp;
import org.latticefs.kv.KeyBytes;

/**
 * The one error boundary of both bindings' adapters: runs a request's work, turns whatever it
 * throws into a negative errno ({@link FsErrors}: known failures their errno, the rest logged and
 * EIO), tells the {@link FsObserver}, and never throws.
 */
final class ErrorBoundary {
  /** A request's work, answering a count or 0 (or {@code -errno} itself). */
  interface Answer {
    int get() throws Exception;
  }

  /** A request's work that answers 0 when it returns. */
  interface Action {
    void run() throws Exception;
  }

  private final FsObserver observer;

  ErrorBoundary(FsObserver observer) {
    this.observer = observer;
  }

  /** What {@code work} answers, or the errno of what it throws; {@code path} only for the log. */
  int answer(FsOp op, String path, Answer work) {
    long started = System.nanoTime();
    int rc;
    try {
      rc = work.get();
    } catch (Throwable e) {
      rc = -FsErrors.errno(op.label(), path, e).code();
    }
    return observed(op, rc, started);
  }

  /** {@link #answer} with the path as the kernel's bytes (or null), decoded only for the log. */
  int answer(FsOp op, byte[] path, Answer work) {
    long started = System.nanoTime();
    int rc;
    try {
      rc = work.get();
    } catch (Throwable e) {
      rc = -FsErrors.errno(op.label(), path == null ? null : KeyBytes.decode(path), e).code();
    }
    return observed(op, rc, started);
  }

  /** 0 once {@code work} returns, or the errno of what it throws. */
  int call(FsOp op, String path, Action work) {
    return answer(op, path, zero(work));
  }

  /** {@link #call} with the path as the kernel's bytes (or null). */
  int call(FsOp op, byte[] path, Action work) {
    return answer(op, path, zero(work));
  }

  private static Answer zero(Action work) {
    return () -> {
      work.run();
      return 0;
    };
  }

  /** Tells the observer of {@code rc} (what it throws is ignored); returns {@code rc}. */
  private int observed(FsOp op, int rc, long startedNanos) {
    try {
      observer.answered(op, rc, System.nanoTime() - startedNanos);
    } catch (Throwable ignored) {
      // Counting must never change an answer.
    }
    return rc;
  }
}
