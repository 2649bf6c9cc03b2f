package org.latticefs.cas.hash;

import java.nio.ByteBuffer;
import org.latticefs.cas.BlobRef;

/**
 * An incremental BLAKE3-256 hash computation.
 *
 * <p>Not thread-safe: one hasher per thread or per stream. A hasher may hold native memory, so it
 * is {@link AutoCloseable}; {@link #close()} is idempotent, and using a closed hasher throws {@link
 * IllegalStateException}.
 */
public interface Blake3Hasher extends AutoCloseable {
  /** Adds {@code len} bytes of {@code data} starting at {@code off}. */
  void update(byte[] data, int off, int len);

  /** Adds all bytes of {@code data}. */
  default void update(byte[] data) {
    update(data, 0, data.length);
  }

  /**
   * Adds the remaining bytes of {@code data} (heap or direct), advancing its position to its limit.
   */
  void update(ByteBuffer data);

  /** Returns the hash of everything added since creation or the last {@link #reset()}. */
  BlobRef finish();

  /** Forgets everything added, ready for a new message. */
  void reset();

  @Override
  void close();
}
