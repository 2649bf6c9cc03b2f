package org.latticefs.cas.store;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Open read channels of recently range-read blob files, at most {@code capacity} (0: none, every
 * read opens and closes its file), closing the least recently used beyond that.
 *
 * <p>A random 4 KiB read of a large file through the mount is one range read of one chunk; opening
 * and closing the chunk's file for it cost about as much again as the read itself when the page
 * cache holds it (FUSE passthrough file systems read from a descriptor that stays open). Blob files
 * never change while they have their name, so a channel stays right until its blob is removed or
 * quarantined, when the store {@link #invalidate invalidates} it (so a removed file's space is
 * freed, and a replaced file is read anew).
 *
 * <p>Thread-safe. A channel handed out may be closed by another thread at any time (evicted,
 * invalidated, or closed by an interrupt of a thread reading it): {@link #readFully} then reads
 * again through a channel of its own.
 */
final class BlobHandles {
  private final int capacity;
  private final LinkedHashMap<Path, FileChannel> lru = new LinkedHashMap<>(256, 0.75f, true);
  private boolean closed;
  private long invalidations;

  BlobHandles(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be at least 0, got " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * A capacity that leaves most of this process's file descriptors to others: a quarter of its
   * limit, at most {@code max} (4,096 channels cover the chunks of about 1 GiB of content).
   */
  static int defaultCapacity(int max) {
    long limit = 1024;
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      limit = unix.getMaxFileDescriptorCount();
    }
    return (int) Math.max(16, Math.min(max, limit / 4));
  }

  /**
   * Reads from {@code path} at {@code position} into {@code dst} until it is full or the file ends,
   * through a cached channel.
   *
   * @throws java.nio.file.NoSuchFileException if the file does not exist
   */
  void readFully(Path path, ByteBuffer dst, long position) throws IOException {
    int start = dst.position();
    Handle h = handle(path);
    try {
      read(h.channel(), dst, position);
      return;
    } catch (ClosedByInterruptException e) {
      throw e;
    } catch (ClosedChannelException e) {
      // Closed under us by an eviction or invalidation: read again from a channel of our own.
      forget(path, h.channel());
      dst.position(start);
    } finally {
      if (!h.cached()) {
        closeQuietly(h.channel());
      }
    }
    try (FileChannel once = FileChannel.open(path, StandardOpenOption.READ)) {
      read(once, dst, position);
    }
  }

  private static void read(FileChannel ch, ByteBuffer dst, long position) throws IOException {
    int start = dst.position();
    while (dst.hasRemaining() && ch.read(dst, position + dst.position() - start) >= 0) {
      // until dst is full or the file ends
    }
  }

  /** Closes the channel of {@code path}, if one is open. */
  void invalidate(Path path) {
    FileChannel ch;
    synchronized (lru) {
      invalidations++;
      ch = lru.remove(path);
    }
    closeQuietly(ch);
  }

  /** Channels open now. */
  int size() {
    synchronized (lru) {
      return lru.size();
    }
  }

  /** Closes every channel; later reads open and close their file each time. Idempotent. */
  void close() {
    List<FileChannel> all;
    synchronized (lru) {
      closed = true;
      all = new ArrayList<>(lru.values());
      lru.clear();
    }
    all.forEach(BlobHandles::closeQuietly);
  }

  private record Handle(FileChannel channel, boolean cached) {}

  /**
   * The cached channel of {@code path}, else a new one, cached unless the cache is closed or an
   * invalidation happened while it was being opened (the file may be gone or replaced by then, and
   * a cached channel of a removed file would keep its space).
   */
  private Handle handle(Path path) throws IOException {
    long seen;
    synchronized (lru) {
      FileChannel ch = lru.get(path);
      if (ch != null && ch.isOpen()) {
        return new Handle(ch, true);
      }
      seen = invalidations;
    }
    // Opened outside the lock: opening may wait for the disk.
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    List<FileChannel> evicted = new ArrayList<>();
    synchronized (lru) {
      if (closed || invalidations != seen || capacity == 0) {
        return new Handle(ch, false);
      }
      FileChannel old = lru.put(path, ch);
      if (old != null) {
        evicted.add(old);
      }
      Iterator<Map.Entry<Path, FileChannel>> it = lru.entrySet().iterator();
      while (lru.size() > capacity && it.hasNext()) {
        evicted.add(it.next().getValue());
        it.remove();
      }
    }
    evicted.forEach(BlobHandles::closeQuietly);
    return new Handle(ch, true);
  }

  private void forget(Path path, FileChannel ch) {
    synchronized (lru) {
      lru.remove(path, ch);
    }
    closeQuietly(ch);
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      // A read-only channel has nothing to lose on close.
    }
  }
}
