package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A written copy of a blob that is not a blob yet: given its name at a commit, or dropped. It holds
 * a {@link SpaceBudget} reservation of its size, which ends exactly once: as the blob's bytes when
 * it is named, released when it is dropped.
 */
abstract class Temp {
  private final long size;
  private final SpaceBudget budget;
  private final AtomicBoolean settled = new AtomicBoolean();

  /** A temp of {@code size} bytes, reserved in {@code budget} and written. */
  Temp(long size, SpaceBudget budget) {
    this.size = size;
    this.budget = budget;
  }

  long size() {
    return size;
  }

  /** Makes the content durable (batches that sync file by file). */
  abstract void sync() throws IOException;

  /**
   * Under the shard lock, with no file at {@code dst}: gives the content that name.
   *
   * @throws NoSuchFileException if an earlier attempt already did
   * @throws FileAlreadyExistsException if a file appeared at {@code dst} (this temp is dropped)
   */
  final void publishAs(Path dst) throws IOException {
    try {
      name(dst);
    } catch (FileAlreadyExistsException e) {
      discard();
      throw e;
    }
    if (settled.compareAndSet(false, true)) {
      budget.published(StoreDirectory.shardIndexOf(dst), size);
    }
  }

  /** Drops the content, if it is still there. Never throws. */
  final void discard() {
    drop();
    if (settled.compareAndSet(false, true)) {
      budget.release(size);
    }
  }

  /** Gives the content the name {@code dst} (see {@link #publishAs}). */
  abstract void name(Path dst) throws IOException;

  /** Deletes the content, if it is still there. Never throws. */
  abstract void drop();

  /** A temp file with a name: {@code {hash}.{random}.tmp} in the shard directory, or in tmp/. */
  static final class Named extends Temp {
    private final Path path;

    private final SpaceBudget budget;

    /** The shard directory it is in, or -1 ({@code tmp/}, emptied at every open). */
    private final int shard;

    private final AtomicBoolean gone = new AtomicBoolean();

    /** A temp in a shard directory must have been counted ({@link SpaceBudget#tempMade}). */
    Named(Path path, long size, SpaceBudget budget) {
      super(size, budget);
      this.path = path;
      this.budget = budget;
      this.shard = StoreDirectory.shardOrNone(path);
    }

    private void gone(boolean left) {
      if (shard >= 0 && gone.compareAndSet(false, true)) {
        budget.tempGone(shard, left);
      }
    }

    Path path() {
      return path;
    }

    @Override
    void sync() throws IOException {
      Fsync.file(path);
    }

    @Override
    void name(Path dst) throws IOException {
      Files.move(path, dst, StandardCopyOption.ATOMIC_MOVE);
      gone(false);
    }

    @Override
    void drop() {
      // One that could not be deleted makes its shard walked (and it deleted) at the next open.
      gone(!TempFiles.deleteQuietly(path));
    }
  }
}
