package org.latticefs.kv.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.kv.KvException;
import org.latticefs.kv.state.StateBackend;
import org.latticefs.kv.state.XodusStateBackend;

/**
 * A store's state on disk: Xodus in {@code {store}/state}; a damaged one is moved to {@code
 * {store}/damaged/state} (replacing one kept there before: the state is derived, one copy for
 * inspection is enough).
 */
final class DiskState implements StateKeeper.Source {
  private final Path storeDir;

  DiskState(Path storeDir) {
    this.storeDir = storeDir;
  }

  @Override
  public StateBackend open() throws KvException {
    return XodusStateBackend.open(storeDir.resolve("state"));
  }

  @Override
  public Path setAside() throws KvException {
    Path state = storeDir.resolve("state");
    Path aside = storeDir.resolve("damaged").resolve("state");
    try {
      Files.createDirectories(aside.getParent());
      deleteTree(aside);
      if (Files.exists(state)) {
        Files.move(state, aside);
      }
      AtomicFile.fsyncDirectory(storeDir);
      return aside;
    } catch (IOException e) {
      throw new KvException("cannot move the damaged state " + state + " aside: " + e, e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
