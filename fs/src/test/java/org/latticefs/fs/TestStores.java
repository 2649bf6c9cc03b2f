package org.latticefs.fs;

import java.io.IOException;
import java.nio.file.Path;
import org.latticefs.kv.Stores;

/** The kv implementation integration tests run on. */
final class TestStores {
  private TestStores() {}

  /** Opens the node's stores in {@code dir}. */
  static Stores open(Path dir) throws IOException {
    return new MemoryStores();
  }
}
