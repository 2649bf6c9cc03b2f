package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.store.CachingBlobFetcher;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.fs.Caller;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsConfig;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.FsOp;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.kv.memory.MemoryStores;

/** The adapter tells its {@link FsObserver} of every answer, and the observer never changes one. */
class AdapterObserverTest {
  @TempDir Path staging;

  record Seen(FsOp op, int result, long nanos) {}

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private LatticeFileSystem newFs() throws Exception {
    MemoryBlobStore blobs = new MemoryBlobStore();
    return new LatticeFileSystem(
        FsConfig.of(
            MemoryStores.create(),
            blobs,
            new CachingBlobFetcher(blobs, 1 << 20),
            new FileIngester(blobs),
            staging));
  }

  @Test
  void everyAnswerIsObservedWithItsOpResultAndTime() throws Exception {
    List<Seen> seen = new CopyOnWriteArrayList<>();
    try (LatticeFileSystem fs = newFs()) {
      LibfuseAdapter a = new LibfuseAdapter(fs, (op, rc, ns) -> seen.add(new Seen(op, rc, ns)));
      assertEquals(0, a.mkdir(b("/docs"), 0755));
      assertEquals(-Errno.ENOENT.code(), a.unlink(b("/docs/missing")));
      long fh = fs.create("/docs/f", 0644, 0, new Caller(0, 0));
      assertEquals(5, a.write(b("/docs/f"), ByteBuffer.wrap(b("hello")), 0, fh));
      assertEquals(5, a.read(b("/docs/f"), ByteBuffer.allocate(64), 0, fh));
      fs.release(fh);
    }
    assertEquals(
        List.of(FsOp.MKDIR, FsOp.UNLINK, FsOp.WRITE, FsOp.READ),
        seen.stream().map(Seen::op).toList());
    assertEquals(List.of(0, -2, 5, 5), seen.stream().map(Seen::result).toList());
    assertTrue(seen.stream().allMatch(s -> s.nanos() >= 0));
  }

  @Test
  void anObserverThatThrowsDoesNotChangeTheAnswer() throws Exception {
    try (LatticeFileSystem fs = newFs()) {
      LibfuseAdapter a =
          new LibfuseAdapter(
              fs,
              (op, rc, ns) -> {
                throw new IllegalStateException("broken observer");
              });
      assertEquals(0, a.mkdir(b("/docs"), 0755));
      assertEquals(-Errno.EEXIST.code(), a.mkdir(b("/docs"), 0755));
    }
  }

  @Test
  void labelsAreTheLowerCaseNames() {
    assertEquals("getattr", FsOp.GETATTR.label());
    assertEquals("fsyncdir", FsOp.FSYNCDIR.label());
  }
}
