package org.latticefs.fs.core;

import java.io.IOException;
import java.nio.file.Path;
import org.latticefs.kv.Stores;
import org.latticefs.kv.store.DiskStores;

/** The kv implementation integration tests run on. */
public final class TestStores {
  private TestStores() {}

  /** Opens the real kv stores (signed logs on disk) in {@code dir}. */
  public static Stores open(Path dir) throws IOException {
    return DiskStores.open(dir);
  }
}
