package org.latticefs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.function.Executable;
import org.latticefs.cas.store.MemoryBlobStore;

/** A filesystem over the in-memory kv fake and cas's MemoryBlobStore, with byte helpers. */
final class FsFixture implements AutoCloseable {
  static final LatticeFileSystem.Caller ME = new LatticeFileSystem.Caller(1000, 1000);
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_RDWR = 2;

  final org.latticefs.kv.Stores stores;
  final MemoryBlobStore blobs = new MemoryBlobStore();
  final LatticeFileSystem fs;

  FsFixture(Path staging) throws IOException {
    this(staging, null);
  }

  FsFixture(Path staging, SpaceProvider space) throws IOException {
    this(staging, space, new MemoryStores());
  }

  FsFixture(Path staging, SpaceProvider space, org.latticefs.kv.Stores stores) throws IOException {
    this.stores = stores;
    FsConfig cfg = FsConfig.of(stores, blobs, blobs, staging).withCacheBytes(64L << 20);
    if (space != null) {
      cfg = cfg.withSpace(space);
    }
    fs = new LatticeFileSystem(cfg);
  }

  MemoryStores.MemoryStore store(String name) throws IOException {
    return ((MemoryStores) stores).open(stores.findStore(name).orElseThrow().id());
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

  static void assertErrno(Errno expected, Executable op) {
    FsException e = assertThrows(FsException.class, op);
    assertEquals(expected, e.errno(), e.getMessage());
  }

  static byte[] random(int n, long seed) {
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
