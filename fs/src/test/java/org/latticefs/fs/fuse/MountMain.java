package org.latticefs.fs.fuse;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.cas.store.CachingBlobFetcher;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.core.FsFixture;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.kv.store.DiskStores;

/**
 * A minimal daemon for crash tests and benchmarks: opens the real kv and DiskBlobStore under {@code
 * args[0]}, mounts at {@code args[1]}, prints {@code MOUNTED} and serves until killed (or stdin
 * closes, when it unmounts cleanly).
 *
 * <p>A line {@code REMOUNT} on stdin unmounts, closes the filesystem, blob store and stores, opens
 * them again and mounts (printing {@code MOUNTED} again): every Lattice cache starts empty while
 * the JVM (its compiled code and heap) stays warm, as in a daemon that has been running a while.
 *
 * <p>{@code -Dmountmain.observer=CLASS} mounts with that {@link FsObserver} (see {@link
 * #observer()}).
 *
 * <p>{@code -Dmountmain.readHandles=N} sets the blob store's {@link
 * DiskBlobStore.Options#readHandles} (for A/B measurements).
 */
public final class MountMain {
  /** The chunk cache node gives the filesystem by default. */
  static final long CACHE_BYTES = 256L << 20;

  private MountMain() {}

  /**
   * The command that runs this class with {@code java} on the test classpath (logging at WARN, the
   * test binding passed on: {@link TestBinding#jvmArgs()}).
   */
  static List<String> command(String java, Path data, Path mnt) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
    cmd.addAll(TestBinding.jvmArgs());
    cmd.addAll(List.of(MountMain.class.getName(), data.toString(), mnt.toString()));
    return cmd;
  }

  /** One mounted instance: everything Lattice holds in memory for the mount. */
  private record Instance(
      DiskStores stores, DiskBlobStore blobs, LatticeFileSystem fs, FuseMount mount) {
    static Instance open(Path data, Path mnt) throws Exception {
      DiskStores stores = DiskStores.open(data.resolve("kv"));
      DiskBlobStore.Options options = DiskBlobStore.Options.defaults();
      String handles = System.getProperty("mountmain.readHandles");
      if (handles != null) {
        options = options.withReadHandles(Integer.parseInt(handles));
      }
      DiskBlobStore blobs = DiskBlobStore.open(data.resolve("cas"), options);
      CachingBlobFetcher cache = new CachingBlobFetcher(blobs, CACHE_BYTES);
      LatticeFileSystem fs =
          new LatticeFileSystem(FsFixture.config(stores, blobs, cache, data.resolve("staging")));
      return new Instance(
          stores, blobs, fs, TestBinding.mount(fs, mnt, FuseMount.DEFAULT_OPTIONS, observer()));
    }

    void close() throws Exception {
      mount.unmount();
      fs.close();
      blobs.close();
      stores.close();
    }
  }

  /**
   * The observer named by {@code -Dmountmain.observer=CLASS} (an {@link FsObserver} with a public
   * no-argument constructor, on the class path: node's metrics for the overhead benchmark), or
   * none.
   */
  static FsObserver observer() throws ReflectiveOperationException {
    String name = System.getProperty("mountmain.observer");
    return name == null
        ? FsObserver.NONE
        : (FsObserver) Class.forName(name).getConstructor().newInstance();
  }

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    Path mnt = Path.of(args[1]);
    Instance instance = Instance.open(data, mnt);
    System.out.println("MOUNTED");
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.strip().equals("REMOUNT")) {
        instance.close();
        instance = Instance.open(data, mnt);
        System.out.println("MOUNTED");
        System.out.flush();
      }
    }
    instance.close();
  }
}
