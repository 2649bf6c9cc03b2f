package org.latticefs.fs;

import java.nio.file.Path;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.kv.store.DiskStores;

/**
 * A minimal daemon for crash tests: opens the real kv and DiskBlobStore under {@code args[0]},
 * mounts at {@code args[1]}, prints {@code MOUNTED} and serves until killed (or stdin closes, when
 * it unmounts cleanly).
 */
public final class MountMain {
  private MountMain() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of(args[0]);
    Path mnt = Path.of(args[1]);
    DiskStores stores = DiskStores.open(data.resolve("kv"));
    DiskBlobStore blobs = DiskBlobStore.open(data.resolve("cas"));
    LatticeFileSystem fs =
        new LatticeFileSystem(FsConfig.of(stores, blobs, blobs, data.resolve("staging")));
    FuseMount mount = FuseMount.mount(fs, mnt);
    System.out.println("MOUNTED");
    System.out.flush();
    while (System.in.read() >= 0) {
      // Serve until stdin closes.
    }
    mount.unmount();
    fs.close();
    blobs.close();
    stores.close();
  }
}
