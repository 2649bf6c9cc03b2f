package org.latticefs.cas.hash;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.latticefs.cas.BlobRef;

/**
 * A {@link Blake3Hasher} whose state lives in native memory (see {@link NativeBlake3}).
 *
 * <p>{@link #close()} frees the state at once; a hasher that is never closed is freed by a {@link
 * Cleaner} after it becomes unreachable. Not thread-safe, like every hasher.
 */
final class NativeBlake3Hasher implements Blake3Hasher {
  private static final Cleaner CLEANER = Cleaner.create();

  /** Size of the copy buffer for read-only heap buffers, whose array is out of reach. */
  private static final int COPY_SLICE = 64 * 1024;

  private final NativeBlake3 lib;
  private final long state;
  private final Cleaner.Cleanable cleanable;
  private boolean closed;

  NativeBlake3Hasher(NativeBlake3 lib) {
    this.lib = lib;
    this.state = lib.allocate();
    this.cleanable = CLEANER.register(this, new Free(lib, state));
  }

  /** Frees a state; holds no reference to the hasher, so the hasher can become unreachable. */
  private record Free(NativeBlake3 lib, long state) implements Runnable {
    @Override
    public void run() {
      lib.free(state);
    }
  }

  @Override
  public void update(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    checkOpen();
    try {
      lib.update(state, data, off, len);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public void update(ByteBuffer data) {
    checkOpen();
    try {
      if (data.isDirect()) {
        lib.updateDirect(state, data);
        data.position(data.limit());
      } else if (data.hasArray()) {
        int n = data.remaining();
        lib.update(state, data.array(), data.arrayOffset() + data.position(), n);
        data.position(data.limit());
      } else {
        byte[] copy = new byte[Math.min(COPY_SLICE, data.remaining())];
        while (data.hasRemaining()) {
          int n = Math.min(copy.length, data.remaining());
          data.get(copy, 0, n);
          lib.update(state, copy, 0, n);
        }
      }
    } finally {
      Reference.reachabilityFence(data);
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public BlobRef finish() {
    checkOpen();
    try {
      return lib.finish(state);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public void reset() {
    checkOpen();
    try {
      lib.reset(state);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public void close() {
    closed = true;
    cleanable.clean();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("hasher is closed");
    }
  }
}
