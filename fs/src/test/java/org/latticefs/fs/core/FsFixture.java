package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.function.Executable;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.store.CachingBlobFetcher;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.fs.Caller;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsConfig;
import org.latticefs.fs.FsErrors;
import org.latticefs.fs.FsException;
import org.latticefs.kv.Stores;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.MemoryChainLog;
import org.latticefs.kv.memory.MemoryStores;

/**
 * A filesystem over kv's in-memory stores (its real rules: signed entries, multi-head state, LWW
 * reads) and cas's MemoryBlobStore, with byte helpers. Failures are injected through kv's own
 * {@link MemoryStores#faults} and the blob store's; races through {@link HookedStores}.
 */
public final class FsFixture implements AutoCloseable {
  public static final Caller ME = new Caller(1000, 1000);
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;

  final Stores stores;

  /** The in-memory node under {@link #stores}; null when the fixture runs on other stores. */
  final MemoryStores kv;

  final MemoryBlobStore blobs = new MemoryBlobStore();

  /** The chunk cache in front of {@link #blobs}, as node builds one. */
  final CachingBlobFetcher cache = new CachingBlobFetcher(blobs, 64L << 20);

  final LatticeFileSystem fs;

  FsFixture(Path staging) throws IOException {
    this(staging, c -> c);
  }

  /** A fixture whose configuration {@code adjust} changes (space, clock, checkpoints...). */
  FsFixture(Path staging, UnaryOperator<FsConfig> adjust) throws IOException {
    this(staging, adjust, MemoryStores.create());
  }

  FsFixture(Path staging, UnaryOperator<FsConfig> adjust, Stores stores) throws IOException {
    this.kv = stores instanceof MemoryStores m ? m : null;
    this.stores = kv != null ? new HookedStores(kv) : stores;
    fs = new LatticeFileSystem(adjust.apply(config(this.stores, blobs, cache, staging)));
  }

  /** The configuration node would build over {@code blobs}, with {@code cache} in front of it. */
  public static FsConfig config(Stores stores, BlobStore blobs, BlobFetcher cache, Path staging)
      throws IOException {
    return FsConfig.of(stores, blobs, cache, new FileIngester(blobs), staging);
  }

  /** The store named {@code name}, as the filesystem sees it (with the read hook). */
  HookedStores.HookedStore store(String name) throws IOException {
    return ((HookedStores) stores).open(id(name));
  }

  /** kv's failure injection for the log of the store named {@code name}. */
  MemoryChainLog.Faults faults(String name) throws IOException {
    return kv.faults(id(name));
  }

  /** How many log entries this node has written to the store named {@code name}. */
  long commits(String name) throws IOException {
    ChainTip tip = kv.open(id(name)).syncState().get(kv.nodeId());
    return tip == null ? 0 : tip.seq();
  }

  UUID id(String storeName) throws IOException {
    return stores.findStore(storeName).orElseThrow().id();
  }

  void put(String path, byte[] data) throws IOException {
    long fh;
    try {
      fh = fs.create(path, 0644, O_WRONLY, ME);
    } catch (FsException e) {
      if (e.errno() != Errno.EEXIST) {
        throw e;
      }
      fh = fs.open(path, O_WRONLY | 01000);
    }
    write(fh, 0, data);
    fs.flush(fh);
    fs.release(fh);
  }

  void write(long fh, long pos, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) {
      fs.write(fh, pos + b.position(), b);
    }
  }

  byte[] read(long fh) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocateDirect(128 * 1024);
    long pos = 0;
    while (true) {
      buf.clear();
      int n = fs.read(fh, pos, buf);
      if (n <= 0) {
        return out.toByteArray();
      }
      buf.flip();
      byte[] b = new byte[n];
      buf.get(b);
      out.write(b, 0, n);
      pos += n;
    }
  }

  byte[] get(String path) throws IOException {
    long fh = fs.open(path, O_RDONLY);
    try {
      return read(fh);
    } finally {
      fs.release(fh);
    }
  }

  public static void assertErrno(Errno expected, Executable op) {
    FsException e = assertThrows(FsException.class, op);
    assertEquals(expected, e.errno(), e.getMessage());
  }

  /**
   * Asserts {@code op} fails with what the FUSE layer maps to {@code expected} ({@link FsErrors}).
   */
  public static void assertFailsWith(Errno expected, Executable op) {
    IOException e = assertThrows(IOException.class, op);
    assertEquals(expected, FsErrors.errno("test", null, e), e.toString());
  }

  public static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new java.util.SplittableRandom(seed).nextBytes(b);
    return b;
  }

  @Override
  public void close() {
    fs.close();
    try {
      stores.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
