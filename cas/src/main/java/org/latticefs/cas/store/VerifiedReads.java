package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Outboard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads blob files and hands out only bytes that belong to the blob: a whole read is hashed, a
 * range read is checked group by group against the blob's {@link Outboard}. A file that does not
 * hold its blob's bytes is {@link Quarantine quarantined} and the read throws {@link
 * CorruptBlobException}; a missing file is {@link BlobNotFoundException}.
 *
 * <h2>Outboards</h2>
 *
 * Kept in memory ({@link OutboardCache}) for recently read blobs; a range read that finds none
 * loads the one an earlier range read saved ({@link OutboardFiles}), or else reads and verifies the
 * whole blob, computing its outboard in the same pass, and saves it. A whole read caches the
 * outboard it computes without saving it (sequential reads need none). Without native BLAKE3 (or
 * with a cache of 0 bytes) there are no outboards and every range read verifies its whole blob.
 *
 * <p>Thread-safe.
 */
final class VerifiedReads {
  private static final Logger LOG = LoggerFactory.getLogger(VerifiedReads.class);
  private static final AtomicBoolean OUTBOARDS_UNAVAILABLE_LOGGED = new AtomicBoolean();
  private static final int MAX_FETCH = Integer.MAX_VALUE - 16;

  private final StoreDirectory dir;
  private final Quarantine quarantine;
  private final BlobHandles handles;
  private final OutboardFiles saved;
  private final TrustedCopies trusted;

  /** Null when range reads verify whole blobs (no native BLAKE3, or a cache of 0 bytes). */
  private final OutboardCache outboards;

  private volatile boolean closed;

  VerifiedReads(
      StoreDirectory dir,
      Quarantine quarantine,
      BlobHandles handles,
      OutboardFiles saved,
      TrustedCopies trusted,
      long outboardCacheBytes) {
    this.dir = dir;
    this.quarantine = quarantine;
    this.handles = handles;
    this.saved = saved;
    this.trusted = trusted;
    this.outboards = outboardCache(outboardCacheBytes);
  }

  /**
   * The whole blob, verified; remembers its outboard when outboards are on (and saves it with
   * {@code saveOutboard}).
   */
  byte[] whole(BlobRef ref, boolean saveOutboard) throws IOException {
    Path path = dir.blobPath(ref);
    BlobFileStat stat;
    byte[] data;
    try {
      stat = BlobFileStat.of(path);
      if (stat.size() > MAX_FETCH) {
        throw new IOException(
            "blob " + ref + " is " + stat.size() + " bytes, too large to fetch as one array");
      }
      data = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(ref);
    }
    verify(ref, data, data.length, stat, saveOutboard);
    return data;
  }

  /** Reads the blob file straight into {@code dst} and verifies it there; returns its length. */
  int into(BlobRef ref, byte[] dst) throws IOException {
    Path path = dir.blobPath(ref);
    int n;
    BlobFileStat stat;
    try {
      // Before reading: a file that changes while it is read is never remembered as good.
      stat = BlobFileStat.of(path);
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        long size = ch.size();
        if (size > dst.length) {
          throw BlobFetcher.tooLong(ref, size, dst.length);
        }
        ByteBuffer b = ByteBuffer.wrap(dst, 0, (int) size);
        while (b.hasRemaining() && ch.read(b, b.position()) >= 0) {
          // until the file's bytes are read or it ends early (then the hash below fails)
        }
        n = b.position();
      }
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(ref);
    }
    verify(ref, dst, n, stat, false);
    return n;
  }

  /**
   * Bytes {@code [offset, offset + length)} of the blob: only the groups the range touches when the
   * outboard is known, else the whole blob (see the class doc). Groups that do not match their
   * outboard make this re-read and verify the whole file, which quarantines it exactly as {@link
   * #whole} does. Bytes appended after a blob's end are not noticed by range reads (they are never
   * returned); whole reads notice them.
   */
  byte[] range(BlobRef ref, long offset, int length) throws IOException {
    BlobFetcher.checkRange(ref, offset, length, Long.MAX_VALUE);
    Outboard outboard = outboards == null ? null : outboards.get(ref);
    if (outboard == null && outboards != null) {
      outboard = saved.load(ref, dir.blobPath(ref));
      if (outboard != null) {
        outboards.put(outboard);
      }
    }
    return outboard != null
        ? rangeOfGroups(outboard, offset, length)
        : slice(ref, whole(ref, true), offset, length);
  }

  /** How the outboard cache is doing. */
  DiskBlobStore.OutboardStats stats() {
    return outboards == null
        ? new DiskBlobStore.OutboardStats(0, 0, 0, 0, 0, 0)
        : new DiskBlobStore.OutboardStats(
            outboards.entries(),
            outboards.sizeBytes(),
            outboards.hits(),
            outboards.misses(),
            saved.loads(),
            saved.saves());
  }

  /** From now on, outboards are no longer saved (the store is closing). */
  void close() {
    closed = true;
  }

  /**
   * Checks that {@code data[0, n)}, read from the blob file {@code stat} describes, hashes to
   * {@code ref} (caching its outboard on the way, and with {@code saveOutboard} also saving it); if
   * not, quarantines the file and throws. A file found good, and unchanged while it was read, is
   * remembered as a good copy ({@link TrustedCopies}).
   */
  private void verify(BlobRef ref, byte[] data, int n, BlobFileStat stat, boolean saveOutboard)
      throws IOException {
    BlobRef actual;
    if (outboards != null && n > Outboard.GROUP_SIZE && !outboards.contains(ref)) {
      Outboard outboard = Outboard.compute(data, 0, n);
      actual = outboard.ref();
      if (actual.equals(ref)) {
        outboards.put(outboard);
        if (saveOutboard && !closed) {
          saved.save(outboard);
        }
      }
    } else {
      actual = Blake3.hash(data, 0, n);
    }
    if (!actual.equals(ref)) {
      String detail = n + " bytes that hash to " + actual;
      quarantine.quarantine(ref, stat, detail);
      throw new CorruptBlobException(ref, detail);
    }
    if (n == stat.size()) {
      trusted.remember(ref, stat);
    }
  }

  /** Reads the groups covering the range and checks them against {@code outboard}. */
  private byte[] rangeOfGroups(Outboard outboard, long offset, int length) throws IOException {
    BlobRef ref = outboard.ref();
    BlobFetcher.checkRange(ref, offset, length, outboard.size());
    int first = outboard.groupOf(offset);
    int last = outboard.groupOf(length == 0 ? offset : offset + length - 1);
    long start = outboard.groupStart(first);
    int span = (int) (outboard.groupEnd(last) - start);
    // Small spans (the usual case) go through a pooled direct buffer: no heap copy of the groups,
    // and the native hash reads them in place.
    ByteBuffer groups = span <= RangeBuffers.SIZE ? RangeBuffers.take() : ByteBuffer.allocate(span);
    try {
      groups.clear().limit(span);
      try {
        handles.readFully(dir.blobPath(ref), groups, start);
      } catch (NoSuchFileException e) {
        throw new BlobNotFoundException(ref);
      }
      boolean wholeSpan = !groups.hasRemaining();
      groups.flip();
      if (!wholeSpan || !outboard.verifies(first, groups)) {
        // The file does not hold these bytes of the blob. The whole-file check decides, with the
        // file's identity, and quarantines and reports it (or, if the file was replaced by a good
        // copy meanwhile, returns the range from it).
        return slice(ref, whole(ref, false), offset, length);
      }
      byte[] out = new byte[length];
      groups.get((int) (offset - start), out);
      return out;
    } finally {
      if (groups.isDirect()) {
        RangeBuffers.give(groups);
      }
    }
  }

  private static byte[] slice(BlobRef ref, byte[] all, long offset, int length) {
    BlobFetcher.checkRange(ref, offset, length, all.length);
    return Arrays.copyOfRange(all, (int) offset, (int) offset + length);
  }

  private static OutboardCache outboardCache(long bytes) {
    if (bytes == 0) {
      return null;
    }
    if (!Outboard.isAvailable()) {
      if (OUTBOARDS_UNAVAILABLE_LOGGED.compareAndSet(false, true)) {
        String why;
        try {
          why = "this JVM uses " + Blake3.implementation();
        } catch (IllegalStateException unusable) {
          why = unusable.getMessage();
        }
        LOG.warn("range reads verify whole blobs: outboards need native BLAKE3, and {}", why);
      }
      return null;
    }
    return new OutboardCache(bytes);
  }

  /** Reusable direct buffers for range reads: direct memory is slow to allocate and to free. */
  private static final class RangeBuffers {
    /** Ten groups: any range of up to 144 KiB + 1 byte, such as FUSE's largest read (128 KiB). */
    static final int SIZE = 10 * Outboard.GROUP_SIZE;

    /** At most this many idle buffers are kept (2.5 MiB); more threads allocate their own. */
    private static final BlockingQueue<ByteBuffer> FREE = new ArrayBlockingQueue<>(16);

    static ByteBuffer take() {
      ByteBuffer b = FREE.poll();
      return b != null ? b : ByteBuffer.allocateDirect(SIZE);
    }

    static void give(ByteBuffer b) {
      FREE.offer(b);
    }
  }
}
