package org.latticefs.node.gc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.ManifestReader;
import org.latticefs.cas.store.CachingBlobFetcher;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.Caller;
import org.latticefs.fs.FsConfig;
import org.latticefs.fs.SpaceProvider;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.fs.inode.InodeRoots;
import org.latticefs.gc.CollectableStore;
import org.latticefs.gc.Collector;
import org.latticefs.gc.GcService;
import org.latticefs.gc.GcSettings;
import org.latticefs.gc.PassListener;
import org.latticefs.gc.PassReport;
import org.latticefs.gc.pin.InodeTrees;
import org.latticefs.gc.pin.PinBook;
import org.latticefs.gc.pin.PinReconciler;
import org.latticefs.gc.pin.PinRoots;
import org.latticefs.gc.pin.PinState;
import org.latticefs.gc.pin.PinStatus;
import org.latticefs.gc.pin.PinTarget;
import org.latticefs.kv.memory.MemoryStores;

/**
 * A filesystem wired as the daemon wires it (holds, inode roots, hash pins, a collector that frees
 * room for writes that find none), over a disk blob store with a quota and in-memory kv stores,
 * driven by direct calls (no FUSE).
 */
final class GcHarness implements AutoCloseable {
  static final Caller ME = new Caller(0, 0);
  static final int O_WRONLY = 1;
  static final int O_TRUNC = 01000;

  final DiskBlobStore blobs;
  final MemoryStores stores;
  final LatticeFileSystem fs;
  final Collector collector;
  final GcService service;
  final long quota;
  final PinBook book;
  final PinReconciler pins;

  GcHarness(Path dir, long quota, long checkpointBytes, long seed) throws IOException {
    this.quota = quota;
    blobs =
        DiskBlobStore.open(
            dir.resolve("data"), DiskBlobStore.Options.defaults().withQuotaBytes(quota));
    stores = MemoryStores.create();
    stores.createStore("s");
    book = NodePins.book(stores);
    pins =
        new PinReconciler(
            book,
            blobs,
            blobs,
            blobs,
            InodeTrees.none(),
            Duration.ofHours(1),
            Duration.ofSeconds(1));
    PinRoots pinRoots = new PinRoots(book);
    collector =
        new Collector(
            CollectableStore.of(blobs),
            List.of(pinRoots.pending()),
            List.of(new InodeRoots(stores), pinRoots.stored()),
            InstantSource.system(),
            System::nanoTime,
            new SplittableRandom(seed));
    service =
        new GcService(
            collector,
            GcSettings.defaults(quota).withInterval(Duration.ZERO),
            blobs::usedBytes,
            InstantSource.system());
    blobs.setReclaimer(service);
    SpaceProvider space =
        new SpaceProvider() {
          @Override
          public Space space() throws IOException {
            long total = quota > 0 ? quota : blobs.totalSpace();
            return new Space(total, total - blobs.usedBytes());
          }

          @Override
          public boolean reclaim(long bytes) {
            return service.reclaim(bytes);
          }
        };
    FsConfig config =
        FsConfig.of(
                stores,
                blobs,
                new CachingBlobFetcher(blobs, 8L << 20),
                new FileIngester(blobs),
                dir.resolve("staging"))
            .withHolder(blobs)
            .withSpace(space)
            .withCheckpointBytes(checkpointBytes);
    fs = new LatticeFileSystem(config);
  }

  /** Creates or truncates {@code path} and writes {@code data} in 128 KiB pieces, then closes. */
  void put(String path, byte[] data) throws IOException {
    long fh = fs.create(path, 0644, O_WRONLY | O_TRUNC, ME);
    try {
      write(fh, data);
    } finally {
      fs.release(fh);
    }
  }

  /** Writes {@code data} from offset 0 (a wrapped slice's position is its file offset). */
  void write(long fh, byte[] data) throws IOException {
    int piece = 128 * 1024;
    for (int off = 0; off < data.length; off += piece) {
      ByteBuffer b = ByteBuffer.wrap(data, off, Math.min(piece, data.length - off));
      while (b.hasRemaining()) {
        fs.write(fh, b.position(), b);
      }
    }
  }

  /** The whole content of {@code path}, or empty if it does not exist. */
  Optional<byte[]> read(String path) throws IOException {
    long fh;
    try {
      fh = fs.open(path, 0);
    } catch (org.latticefs.fs.FsException e) {
      if (e.errno() == org.latticefs.fs.Errno.ENOENT) {
        return Optional.empty();
      }
      throw e;
    }
    try {
      long size = fs.getattr(fh).size();
      byte[] out = new byte[(int) size];
      ByteBuffer b = ByteBuffer.wrap(out);
      while (b.hasRemaining()) {
        int n = fs.read(fh, b.position(), b);
        if (n <= 0) {
          throw new IOException(path + " ended at " + b.position() + " of " + size);
        }
      }
      return Optional.of(out);
    } finally {
      fs.release(fh);
    }
  }

  /**
   * Pins the committed version of {@code path} by its manifest hash, as {@code pin add HASH} does
   * without a daemon (walked now, marked stored); returns the manifest.
   */
  BlobRef pin(String path) throws IOException {
    BlobRef m = fs.describe(path).inode().manifest();
    PinTarget t = new PinTarget.Manifest(m);
    book.add(t);
    PinStatus s = pins.reconcileNow(t);
    if (s.state() != PinState.STORED) {
      throw new IOException("pin of " + path + " not stored: " + s);
    }
    return m;
  }

  void unpin(BlobRef m) throws IOException {
    book.remove(new PinTarget.Manifest(m));
  }

  /** The content of manifest {@code m}, read from the blob store alone. */
  byte[] readManifest(BlobRef m) throws IOException {
    ManifestReader r = ManifestReader.open(blobs, m);
    byte[] out = new byte[(int) r.size()];
    ByteBuffer b = ByteBuffer.wrap(out);
    while (b.hasRemaining()) {
      if (r.read(b.position(), b) <= 0) {
        throw new IOException("manifest " + m + " ended at " + b.position());
      }
    }
    return out;
  }

  PassReport gc() throws IOException {
    return collector.run(false, PassListener.NONE);
  }

  /** Every blob present. */
  Set<BlobRef> present() throws IOException {
    Set<BlobRef> out = new HashSet<>();
    Optional<BlobRef> after = Optional.empty();
    while (true) {
      List<BlobInfo> page = blobs.enumerate(after, 1000);
      if (page.isEmpty()) {
        return out;
      }
      for (BlobInfo b : page) {
        out.add(b.ref());
      }
      after = Optional.of(page.get(page.size() - 1).ref());
    }
  }

  /** Every blob the tree of {@code path}'s committed version needs (none for inline content). */
  Set<BlobRef> tree(String path) throws IOException {
    Set<BlobRef> out = new HashSet<>();
    BlobRef m = fs.describe(path).inode().manifest();
    if (m != null) {
      ManifestReader.open(blobs, m).forEachBlob(out::add);
    }
    return out;
  }

  static byte[] bytes(long seed, int n) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  @Override
  public void close() throws Exception {
    fs.close();
    pins.close();
    blobs.setReclaimer(null);
    service.close();
    blobs.close();
    stores.close();
  }
}
