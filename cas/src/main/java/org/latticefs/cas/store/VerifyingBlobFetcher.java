package org.latticefs.cas.store;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.hash.Blake3;

/**
 * A {@link BlobFetcher} that trusts nothing it wraps: every byte the source returns is checked
 * against the ref asked for, and a mismatch is {@link CorruptBlobException} naming that ref, never
 * data. What a source that is not this process's own disk store (a peer, a cache on another disk)
 * is wrapped in.
 *
 * <h2>Ranges</h2>
 *
 * A range cannot be checked against a ref on its own, so {@link #fetchRange} fetches the whole blob
 * from the source, checks it, and copies the range out. A range of a blob longer than a {@code
 * byte[]} cannot be fetched this way.
 *
 * <p>Errors of the source ({@code BlobNotFoundException}, other {@link IOException}s) pass through
 * unchanged. Thread-safe if the source is.
 */
public final class VerifyingBlobFetcher implements BlobFetcher {
  private final BlobFetcher source;

  public VerifyingBlobFetcher(BlobFetcher source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  /** The fetcher whose bytes this one checks. */
  public BlobFetcher source() {
    return source;
  }

  @Override
  public byte[] fetch(BlobRef ref) throws IOException {
    byte[] data = source.fetch(ref);
    check(ref, data, data.length);
    return data;
  }

  @Override
  public byte[] fetchRange(BlobRef ref, long offset, int length) throws IOException {
    BlobFetcher.checkRange(ref, offset, length, Long.MAX_VALUE);
    byte[] all = fetch(ref);
    BlobFetcher.checkRange(ref, offset, length, all.length);
    return Arrays.copyOfRange(all, (int) offset, (int) offset + length);
  }

  /** Reads through the source's own {@code fetchInto} and checks {@code dst[0, n)} in place. */
  @Override
  public int fetchInto(BlobRef ref, byte[] dst) throws IOException {
    int n = source.fetchInto(ref, dst);
    if (n < 0 || n > dst.length) {
      throw new CorruptBlobException(ref, "the source reported " + n + " bytes read");
    }
    check(ref, dst, n);
    return n;
  }

  @Override
  public String toString() {
    return "verifying " + source;
  }

  private void check(BlobRef ref, byte[] data, int n) throws CorruptBlobException {
    BlobRef actual = Blake3.hash(data, 0, n);
    if (!actual.equals(ref)) {
      throw new CorruptBlobException(
          ref, source + " returned " + n + " bytes that hash to " + actual);
    }
  }
}
