package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import org.latticefs.cas.BlobRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named temp files of blobs being written: {@code {hash}.{random}.tmp} in the blob's own shard
 * directory when the ref is known (so creating and renaming it touch one directory, and concurrent
 * writers spread over 256 directories), {@code tmp/b{random}.tmp} for a stream whose ref is not
 * known yet; and the removal of what a crash left of them.
 *
 * <p>Temp files are created with mode 0600. A write that fails deletes its temp file before
 * throwing. Thread-safe.
 */
final class TempFiles {
  private static final Logger LOG = LoggerFactory.getLogger(TempFiles.class);

  private final StoreDirectory dir;
  private final SpaceBudget budget;

  /**
   * @param budget where a temp file in a shard directory is counted from before it is created until
   *     it is renamed or deleted (see {@link SpaceBudget#tempMade}), so a usage checkpoint never
   *     vouches for a shard that could hold one after a crash
   */
  TempFiles(StoreDirectory dir, SpaceBudget budget) {
    this.dir = dir;
    this.budget = budget;
  }

  /**
   * Writes {@code data[off, off+len)}, the content of {@code ref}, to a new temp file in its shard
   * directory, synced if {@code sync}, and counts it in the budget's shard temps. The caller
   * renames it or deletes it (a {@link Temp.Named} ends the count).
   */
  Path write(BlobRef ref, byte[] data, int off, int len, boolean sync) throws IOException {
    int index = StoreDirectory.shardIndex(ref);
    Path[] made = new Path[1];
    budget.tempMade(index);
    try {
      return create(dir.shard(index), ref, data, off, len, sync, made);
    } catch (IOException | RuntimeException e) {
      // A failed write deletes what it made; one that cannot be deleted is left for the next open.
      budget.tempGone(index, made[0] != null && !deleteQuietly(made[0]));
      throw e;
    }
  }

  /** Creates and fills the temp file, its path in {@code made[0]} as soon as it may exist. */
  private static Path create(
      Path shard, BlobRef ref, byte[] data, int off, int len, boolean sync, Path[] made)
      throws IOException {
    if (!sync && Fsync.hasWriteNew()) {
      while (true) {
        made[0] =
            shard.resolve(
                ref.hex()
                    + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong())
                    + StoreDirectory.TEMP_SUFFIX);
        if (Fsync.writeNew(made[0], data, off, len)) {
          return made[0];
        }
        // That name was taken: nothing was made.
        made[0] = null;
      }
    }
    made[0] =
        Files.createTempFile(
            shard, ref.hex() + ".", StoreDirectory.TEMP_SUFFIX, StoreDirectory.FILE_ATTRIBUTE);
    try (FileChannel ch = FileChannel.open(made[0], StandardOpenOption.WRITE)) {
      writeFully(ch, ByteBuffer.wrap(data, off, len));
      if (sync) {
        ch.force(false);
      }
    }
    return made[0];
  }

  /** A new empty temp file in {@code tmp/} for a blob whose ref is not known yet (a stream). */
  Path newStreamTemp() throws IOException {
    return Files.createTempFile(
        dir.tmp(), "b", StoreDirectory.TEMP_SUFFIX, StoreDirectory.FILE_ATTRIBUTE);
  }

  /** Whether {@code name} (in a shard directory) is a temp file. */
  static boolean isTemp(String name) {
    return name.endsWith(StoreDirectory.TEMP_SUFFIX);
  }

  /**
   * At open, deletes what a stopped process was writing outside the shard directories: everything
   * in {@code tmp/}, and the temp files of records replaced atomically in the store's root ({@code
   * .{name}.{random}.tmp}: the usage record, the checked copies) that a crash interrupted.
   */
  void cleanTmpDir() throws IOException {
    int n = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.tmp())) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
        n++;
      }
    }
    if (n > 0) {
      Fsync.directory(dir.tmp());
    }
    int records = 0;
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(dir.root(), "." + "*" + StoreDirectory.TEMP_SUFFIX)) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
        records++;
      }
    }
    if (n + records > 0) {
      LOG.info(
          "deleted {} temp files left over in {} and {} in {} by an earlier crash",
          n,
          dir.tmp(),
          records,
          dir.root());
    }
  }

  static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /** Deletes {@code p} if it exists; false (logged) if it could not be deleted. */
  static boolean deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
      return true;
    } catch (IOException e) {
      LOG.warn("could not delete temp file {}: {}", p, e.toString());
      return false;
    }
  }
}
