package org.latticefs.cas.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Blake3Hasher;

/**
 * Gives blobs their names and takes them away: tells whether a copy already present can be counted
 * on ({@link #countOn}: never one this process has not written or checked, see {@link
 * TrustedCopies}), writes new copies to temp files and publishes them under their names (one by
 * one, or for a {@link DiskBatch}), and removes blobs.
 *
 * <p>Every write reserves its bytes in the {@link SpaceBudget} before writing them, so a write that
 * would pass the quota or the disk's minimum free space fails with {@code NoSpaceLeftException}
 * having written nothing. Every failure to write comes out {@link SpaceBudget#translate translated}
 * (a full disk is {@code NoSpaceLeftException} too) with the temp file gone and its reservation
 * ended. Thread-safe; concurrent receives of the same content write it once.
 */
final class BlobWriter {
  private static final int IO_BUFFER = 256 * 1024;

  private final StoreDirectory dir;
  private final TempFiles temps;
  private final UnnamedTemps unnamed;
  private final Quarantine quarantine;
  private final SpaceBudget budget;
  private final AccessTracker access;
  private final BlobHandles handles;
  private final OutboardFiles outboards;
  private final TrustedCopies trusted;
  private final IngestCounters counters = new IngestCounters();
  private final ConcurrentHashMap<BlobRef, CompletableFuture<Void>> inflight =
      new ConcurrentHashMap<>();

  BlobWriter(
      StoreDirectory dir,
      TempFiles temps,
      UnnamedTemps unnamed,
      Quarantine quarantine,
      SpaceBudget budget,
      AccessTracker access,
      BlobHandles handles,
      OutboardFiles outboards,
      TrustedCopies trusted) {
    this.dir = dir;
    this.temps = temps;
    this.unnamed = unnamed;
    this.quarantine = quarantine;
    this.budget = budget;
    this.access = access;
    this.handles = handles;
    this.outboards = outboards;
    this.trusted = trusted;
  }

  /**
   * Stores {@code data[off, off+len)} durably (synced temp file, rename, directory sync). With a
   * {@code hold}, holds the ref through it before looking for a present copy.
   */
  BlobRef receive(byte[] data, int off, int len, Hold hold) throws IOException {
    Objects.checkFromIndexSize(off, len, data.length);
    BlobRef ref = Blake3.hash(data, off, len);
    if (hold != null) {
      hold.hold(ref);
    }
    while (true) {
      if (countOn(ref, data, off, len)) {
        access.touch(ref);
        counters.deduplicated(len);
        return ref;
      }
      CompletableFuture<Void> mine = new CompletableFuture<>();
      CompletableFuture<Void> other = inflight.putIfAbsent(ref, mine);
      if (other != null) {
        // Someone is writing the same bytes: wait, then re-check (retry if they failed).
        other.exceptionally(e -> null).join();
        continue;
      }
      try {
        publish(ref, writeTemp(ref, data, off, len, true));
        access.touch(ref);
        mine.complete(null);
        return ref;
      } catch (IOException | RuntimeException e) {
        mine.completeExceptionally(e);
        throw e;
      } finally {
        inflight.remove(ref, mine);
      }
    }
  }

  /**
   * Streams {@code in} to a temp file in {@code tmp/} while hashing it, reserving its bytes as they
   * come, then publishes it. With a {@code hold}, holds the ref through it before looking for a
   * present copy.
   */
  BlobRef receive(InputStream in, Hold hold) throws IOException {
    Path path = temps.newStreamTemp();
    long size = 0;
    BlobRef ref;
    boolean present;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE);
        Blake3Hasher hasher = Blake3.newHasher()) {
      byte[] buf = new byte[IO_BUFFER];
      int n;
      while ((n = in.read(buf)) != -1) {
        budget.reserve(n);
        try {
          TempFiles.writeFully(ch, ByteBuffer.wrap(buf, 0, n));
        } catch (IOException | RuntimeException e) {
          budget.cancel(n);
          throw e;
        }
        budget.written(n);
        size += n;
        hasher.update(buf, 0, n);
      }
      ref = hasher.finish();
      if (hold != null) {
        hold.hold(ref);
      }
      present = countOn(ref, size);
      if (!present) {
        ch.force(false);
      }
    } catch (IOException | RuntimeException e) {
      TempFiles.deleteQuietly(path);
      budget.release(size);
      throw budget.translate(e, size);
    }
    Temp tmp = new Temp.Named(path, size, budget);
    if (present) {
      tmp.discard();
      counters.deduplicated(size);
    } else {
      publish(ref, tmp);
    }
    access.touch(ref);
    return ref;
  }

  /**
   * Removes {@code ref}'s saved outboard, then its blob (durably); false if the blob was not there.
   * The outboard goes first: a crash in between leaves a blob without its outboard (only a cache),
   * never an outboard without its blob. The caller makes sure the ref is not held.
   */
  boolean remove(BlobRef ref) throws IOException {
    boolean removed = unlink(ref);
    if (removed) {
      Fsync.directory(dir.blobPath(ref).getParent());
    }
    return removed;
  }

  /**
   * Removes each ref of {@code refs} that {@code holds} does not hold, as {@link #remove} does,
   * then syncs each shard directory it touched once (a removal's cost is mostly that sync: one per
   * shard instead of one per blob). Returns, per ref, whether it was removed.
   */
  boolean[] removeAll(List<BlobRef> refs, HoldTable holds) throws IOException {
    boolean[] removed = new boolean[refs.size()];
    TreeSet<Path> touched = new TreeSet<>();
    try {
      for (int i = 0; i < removed.length; i++) {
        BlobRef ref = refs.get(i);
        removed[i] = holds.unlessHeld(ref, () -> unlink(ref), false);
        if (removed[i]) {
          touched.add(dir.blobPath(ref).getParent());
        }
      }
    } finally {
      for (Path shard : touched) {
        Fsync.directory(shard);
      }
    }
    return removed;
  }

  /**
   * Deletes the blob and its outboard and counts it gone, without syncing its directory: durable
   * only once the caller syncs that directory ({@link #remove} does at once, {@link #removeAll}
   * once per shard). A crash before the sync may bring the blob back, which only leaves garbage for
   * the next pass: its shard's changed directory time makes the next open count it again.
   */
  boolean unlink(BlobRef ref) throws IOException {
    outboards.delete(ref);
    Path path = dir.blobPath(ref);
    ReentrantLock lock = dir.shardLock(ref);
    lock.lock();
    try {
      long size;
      try {
        size = Files.size(path);
        Files.delete(path);
      } catch (NoSuchFileException e) {
        return false;
      }
      // After the delete: a channel opened before it is then either cached and closed here, or
      // never cached (see BlobHandles).
      handles.invalidate(path);
      budget.removed(StoreDirectory.shardIndex(ref), size);
    } finally {
      lock.unlock();
    }
    trusted.forget(ref);
    access.forget(ref);
    return true;
  }

  /**
   * Whether a copy of {@code ref} holding exactly {@code data[off, off+len)} is durably present, so
   * storing these bytes again can be skipped. The copy is counted on only if {@link TrustedCopies}
   * vouches for it (this process wrote or checked it, and it has not changed since) or its bytes
   * equal {@code data}'s (then it is remembered). A copy of another size, or other bytes, is
   * corrupt: it is quarantined and reported, and this returns false so the caller stores a good
   * copy in its place.
   */
  boolean countOn(BlobRef ref, byte[] data, int off, int len) throws IOException {
    return countOn(ref, len, file -> sameBytes(file, data, off, len));
  }

  /** {@link #countOn(BlobRef, byte[], int, int)} for content that is not in memory: hashes it. */
  boolean countOn(BlobRef ref, long size) throws IOException {
    return countOn(ref, size, file -> hashesTo(file, ref));
  }

  /** Checks a blob file's content byte by byte; false if it differs or is gone. */
  @FunctionalInterface
  private interface ContentCheck {
    boolean matches(Path file) throws IOException;
  }

  private boolean countOn(BlobRef ref, long size, ContentCheck content) throws IOException {
    Path path = dir.blobPath(ref);
    BlobFileStat stat;
    try {
      stat = BlobFileStat.of(path);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (stat.size() != size) {
      quarantine.quarantine(ref, stat, stat.size() + " bytes on disk, expected " + size);
      return false;
    }
    if (!trusted.vouches(ref, stat)) {
      boolean same;
      try {
        same = content.matches(path);
      } catch (NoSuchFileException removed) {
        return false;
      }
      if (!same) {
        quarantine.quarantine(ref, stat, "its bytes are not the blob's (found by a store of it)");
        return false;
      }
      // Stat taken before the bytes were compared: a change since makes the copy checked again.
      trusted.remember(ref, stat);
    }
    dir.awaitShard(ref);
    return true;
  }

  private static boolean sameBytes(Path file, byte[] data, int off, int len) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(Math.min(len, IO_BUFFER) + 1);
      long pos = 0;
      while (true) {
        buf.clear();
        int n = ch.read(buf, pos);
        if (n < 0) {
          return pos == len;
        }
        if (pos + n > len
            || !Arrays.equals(buf.array(), 0, n, data, off + (int) pos, off + (int) pos + n)) {
          return false;
        }
        pos += n;
      }
    }
  }

  private static boolean hashesTo(Path file, BlobRef ref) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        Blake3Hasher hasher = Blake3.newHasher()) {
      ByteBuffer buf = ByteBuffer.allocate(IO_BUFFER);
      while (ch.read(buf.clear()) >= 0) {
        hasher.update(buf.array(), 0, buf.position());
      }
      return hasher.finish().equals(ref);
    }
  }

  /**
   * Writes a temp copy of {@code ref} in its shard directory, synced if {@code sync}, holding a
   * reservation of its size.
   */
  Temp writeTemp(BlobRef ref, byte[] data, int off, int len, boolean sync) throws IOException {
    budget.reserve(len);
    Path path;
    try {
      path = temps.write(ref, data, off, len, sync);
    } catch (IOException | RuntimeException e) {
      budget.cancel(len);
      throw budget.translate(e, len);
    }
    budget.written(len);
    return new Temp.Named(path, len, budget);
  }

  /**
   * Writes a batch's copy of a blob, not synced: to an unnamed file while they last (no directory
   * is touched until the commit names it), else to a named temp file.
   */
  Temp writeBatchTemp(BlobRef ref, byte[] data, int off, int len) throws IOException {
    if (unnamed.enabled()) {
      budget.reserve(len);
      Temp t;
      try {
        t = unnamed.write(data, off, len);
      } catch (IOException | RuntimeException e) {
        budget.cancel(len);
        throw budget.translate(e, len);
      }
      if (t != null) {
        budget.written(len);
        return t;
      }
      budget.cancel(len);
    }
    return writeTemp(ref, data, off, len, false);
  }

  /**
   * Gives a synced temp its blob's name and syncs the shard directory; drops it if the blob is
   * there already.
   */
  void publish(BlobRef ref, Temp tmp) throws IOException {
    ReentrantLock lock = dir.shardLock(ref);
    lock.lock();
    try {
      if (publishIfAbsent(ref, tmp)) {
        Fsync.directory(dir.blobPath(ref).getParent());
      }
    } catch (IOException | RuntimeException e) {
      tmp.discard();
      throw budget.translate(e, tmp.size());
    } finally {
      lock.unlock();
    }
  }

  /**
   * Under {@code ref}'s shard lock: gives {@code tmp} the blob's name unless a blob is already
   * there (then drops {@code tmp}). Returns whether it did. The caller syncs the directory.
   */
  boolean publishIfAbsent(BlobRef ref, Temp tmp) throws IOException {
    Path dst = dir.blobPath(ref);
    long size = tmp.size();
    if (Files.exists(dst)) {
      tmp.discard();
      counters.deduplicated(size);
      return false;
    }
    tmp.publishAs(dst);
    counters.wrote(size);
    quarantine.repaired(ref);
    // After the rename (which changes the file's change time): what a later receive counts on.
    trusted.remember(ref, BlobFileStat.of(dst));
    return true;
  }

  /** What receives have written and deduplicated so far. */
  BlobStoreStats stats() {
    return counters.snapshot();
  }

  /** A batch's receive of {@code size} bytes found its blob present (or already in the batch). */
  void countDeduplicated(long size) {
    counters.deduplicated(size);
  }
}
