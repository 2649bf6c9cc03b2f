package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A written copy of a blob that is not a blob yet: given its name at a commit, or dropped. */
interface Temp {
  /** Makes the content durable (batches that sync file by file). */
  void sync() throws IOException;

  /**
   * Under the shard lock, with no file at {@code dst}: gives the content that name.
   *
   * @throws NoSuchFileException if an earlier attempt already did
   */
  void publishAs(Path dst) throws IOException;

  /** Drops the content, if it is still there. Never throws. */
  void discard();

  /** A temp file with a name: {@code {hash}.{random}.tmp} in the shard directory, or in tmp/. */
  record Named(Path path) implements Temp {
    @Override
    public void sync() throws IOException {
      Fsync.file(path);
    }

    @Override
    public void publishAs(Path dst) throws IOException {
      Files.move(path, dst, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void discard() {
      TempFiles.deleteQuietly(path);
    }
  }
}
