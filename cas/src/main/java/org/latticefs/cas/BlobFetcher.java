package org.latticefs.cas;

import java.io.IOException;
import java.util.Arrays;

/**
 * Reads a blob by its ref. The one interface fs and gc use to read content: it may be backed by the
 * local disk, a cache, or peers.
 *
 * <p>Implementations are safe for concurrent use. The returned array belongs to the caller (no
 * implementation keeps or shares it). A fetch may count as an access for eviction purposes.
 */
public interface BlobFetcher {
  /**
   * Returns the whole content of the blob, verified against {@code ref}.
   *
   * @throws BlobNotFoundException if no such blob is reachable through this fetcher
   * @throws CorruptBlobException if the bytes found do not hash to {@code ref} (they are never
   *     returned)
   * @throws IOException on any other failure to read
   */
  byte[] fetch(BlobRef ref) throws IOException;

  /**
   * Returns bytes {@code [offset, offset + length)} of the blob, verified against {@code ref}:
   * bytes that do not belong to the blob are never returned, exactly as with {@link #fetch}.
   *
   * <p>The default fetches the whole blob and copies the range out. Stores that can verify part of
   * a blob without reading all of it override this, so a small read of a large chunk reads about as
   * much as it returns.
   *
   * @throws IllegalArgumentException if {@code offset} or {@code length} is negative, or the range
   *     ends past the end of the blob
   * @throws BlobNotFoundException if no such blob is reachable through this fetcher
   * @throws CorruptBlobException if the bytes found do not belong to {@code ref}
   * @throws IOException on any other failure to read
   */
  default byte[] fetchRange(BlobRef ref, long offset, int length) throws IOException {
    checkRange(ref, offset, length, Long.MAX_VALUE);
    byte[] all = fetch(ref);
    checkRange(ref, offset, length, all.length);
    return Arrays.copyOfRange(all, (int) offset, (int) offset + length);
  }

  /**
   * Reads the whole blob into {@code dst[0, n)}, verified against {@code ref} as with {@link
   * #fetch}, and returns {@code n}: for callers that reuse buffers instead of taking a new array
   * per blob. If this throws, {@code dst} holds unspecified bytes (possibly the unverified ones)
   * and must not be used.
   *
   * <p>The default fetches the blob and copies it. Stores that read from files override it to read
   * straight into {@code dst}.
   *
   * @throws IllegalArgumentException if the blob is longer than {@code dst}
   * @throws BlobNotFoundException if no such blob is reachable through this fetcher
   * @throws CorruptBlobException if the bytes found do not hash to {@code ref}
   * @throws IOException on any other failure to read
   */
  default int fetchInto(BlobRef ref, byte[] dst) throws IOException {
    byte[] all = fetch(ref);
    if (all.length > dst.length) {
      throw tooLong(ref, all.length, dst.length);
    }
    System.arraycopy(all, 0, dst, 0, all.length);
    return all.length;
  }

  /**
   * Checks a {@link #fetchRange} request against a blob of {@code size} bytes (pass {@link
   * Long#MAX_VALUE} while the size is not known yet): the one definition of a valid range.
   *
   * @throws IllegalArgumentException if {@code offset} or {@code length} is negative, or the range
   *     ends past the end of the blob
   */
  static void checkRange(BlobRef ref, long offset, int length, long size) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
    }
    if (offset > size - length) {
      throw new IllegalArgumentException(
          "range ["
              + offset
              + ", "
              + (offset + length)
              + ") ends past the end of blob "
              + ref
              + " ("
              + size
              + " bytes)");
    }
  }

  /** The exception {@link #fetchInto} throws for a blob longer than the caller's buffer. */
  static IllegalArgumentException tooLong(BlobRef ref, long size, int room) {
    return new IllegalArgumentException(
        "blob " + ref + " is " + size + " bytes, more than the " + room + " bytes of room given");
  }
}
