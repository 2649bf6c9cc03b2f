package org.latticefs.cas.chunk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Feeds the blocks of a {@link ChunkSource} to a handler on the calling thread, in order, reading
 * and cutting ahead on a helper thread when asked to ({@link #drive}).
 *
 * <p>The helper is never interrupted (that would close a caller's {@code FileChannel}); it is
 * stopped by a flag and by draining its queue, and it is gone when {@link #drive} returns or
 * throws.
 */
final class ChunkPipeline implements Runnable {
  /** Handles one block on the calling thread; false stops the ingest early. */
  interface BlockHandler {
    boolean handle(ChunkSource.Block b) throws IOException;
  }

  private static final Object END = new Object();
  private final ChunkSource source;
  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
  private final Thread thread;
  private volatile boolean stopped;

  private ChunkPipeline(ChunkSource source) {
    this.source = source;
    this.thread = new Thread(this, "lattice-chunker");
    thread.setDaemon(true);
  }

  /**
   * Hands every block of {@code source} to {@code handler}, in order, until the source ends or the
   * handler returns false, releasing each block after it. With {@code pipelined}, an input longer
   * than one block is read and cut on a helper thread while the handler works.
   */
  static void drive(ChunkSource source, BlockHandler handler, boolean pipelined)
      throws IOException {
    ChunkSource.Block first = source.next();
    if (first == null) {
      return;
    }
    boolean more = handler.handle(first);
    source.release(first);
    if (!more) {
      return;
    }
    if (!pipelined || source.atEnd()) {
      for (ChunkSource.Block b = source.next(); b != null; b = source.next()) {
        more = handler.handle(b);
        source.release(b);
        if (!more) {
          return;
        }
      }
      return;
    }
    ChunkPipeline p = new ChunkPipeline(source);
    p.thread.start();
    try {
      for (ChunkSource.Block b = p.take(); b != null; b = p.take()) {
        more = handler.handle(b);
        source.release(b);
        if (!more) {
          return;
        }
      }
    } finally {
      p.stop();
    }
  }

  @Override
  public void run() {
    Object last = END;
    try {
      for (ChunkSource.Block b = source.next(); b != null; b = source.next()) {
        if (stopped) {
          source.release(b);
          return;
        }
        queue.put(b);
      }
    } catch (IOException | RuntimeException e) {
      last = e;
    } catch (InterruptedException e) {
      return;
    }
    try {
      queue.put(last);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private ChunkSource.Block take() throws IOException {
    Object o;
    try {
      o = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while ingesting");
    }
    if (o == END) {
      return null;
    }
    if (o instanceof IOException e) {
      throw new IOException("reading the input failed: " + e.getMessage(), e);
    }
    if (o instanceof RuntimeException e) {
      throw new IllegalStateException("chunking failed", e);
    }
    return (ChunkSource.Block) o;
  }

  /** Stops the helper and waits for it, releasing whatever it queued. */
  private void stop() {
    stopped = true;
    boolean interrupted = false;
    while (thread.isAlive() || !queue.isEmpty()) {
      try {
        Object o = queue.poll(10, TimeUnit.MILLISECONDS);
        if (o instanceof ChunkSource.Block b) {
          source.release(b);
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
