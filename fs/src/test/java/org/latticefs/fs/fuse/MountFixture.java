package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.latticefs.cas.store.CachingBlobFetcher;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.core.FsFixture;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.kv.Stores;

/**
 * A real FUSE mount of the filesystem over a real DiskBlobStore, for integration tests. Skips when
 * FUSE is unavailable, unless the environment variable {@code CI} is set: then it fails.
 */
final class MountFixture implements AutoCloseable {
  final Path dir;
  final Path mnt;
  final DiskBlobStore blobs;

  /** The chunk cache in front of {@link #blobs}, as node builds one. */
  final CachingBlobFetcher cache;

  final Stores stores;
  final LatticeFileSystem fs;
  final FuseMount mount;

  MountFixture(Path dir, Stores stores) throws IOException {
    requireFuse();
    this.dir = dir;
    this.mnt = dir.resolve("mnt");
    this.stores = stores;
    this.blobs = DiskBlobStore.open(dir.resolve("cas"));
    this.cache = new CachingBlobFetcher(blobs, MountMain.CACHE_BYTES);
    this.fs = new LatticeFileSystem(FsFixture.config(stores, blobs, cache, dir.resolve("staging")));
    this.mount = TestBinding.mount(fs, mnt, FuseMount.DEFAULT_OPTIONS, FsObserver.NONE);
  }

  static void requireFuse() {
    try {
      FuseMount.checkPrerequisites();
    } catch (IOException e) {
      if (System.getenv("CI") != null) {
        fail("FUSE is required in CI: " + e.getMessage());
      }
      Assumptions.assumeTrue(false, "FUSE unavailable: " + e.getMessage());
    }
  }

  /** Runs {@code bash -c script} in {@code cwd}; fails the test on a non-zero exit. */
  static String sh(Path cwd, String script) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -e\n" + script);
    pb.directory(cwd.toFile()).redirectErrorStream(true);
    Process p = pb.start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("timed out: " + script);
      }
      assertEquals(0, p.exitValue(), "`" + script + "` failed:\n" + out);
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static List<String> lines(String s) {
    return s.isBlank() ? List.of() : List.of(s.strip().split("\n"));
  }

  @Override
  public void close() throws IOException {
    try {
      mount.unmount();
    } finally {
      fs.close();
      blobs.close();
      try {
        stores.close();
      } catch (Exception e) {
        throw new IOException(e);
      }
      Files.deleteIfExists(mnt);
    }
  }
}
