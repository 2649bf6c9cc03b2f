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

  TempFiles(StoreDirectory dir) {
    this.dir = dir;
  }

  /**
   * Writes {@code data[off, off+len)}, the content of {@code ref}, to a new temp file in its shard
   * directory, synced if {@code sync}. The caller renames it or deletes it.
   */
  Path write(BlobRef ref, byte[] data, int off, int len, boolean sync) throws IOException {
    Path shard = dir.shard(StoreDirectory.shardIndex(ref));
    if (!sync && Fsync.hasWriteNew()) {
      while (true) {
        Path tmp =
            shard.resolve(
                ref.hex()
                    + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong())
                    + StoreDirectory.TEMP_SUFFIX);
        try {
          if (Fsync.writeNew(tmp, data, off, len)) {
            return tmp;
          }
        } catch (IOException | RuntimeException e) {
          deleteQuietly(tmp);
          throw e;
        }
      }
    }
    Path tmp =
        Files.createTempFile(
            shard, ref.hex() + ".", StoreDirectory.TEMP_SUFFIX, StoreDirectory.FILE_ATTRIBUTE);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      writeFully(ch, ByteBuffer.wrap(data, off, len));
      if (sync) {
        ch.force(false);
      }
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
    return tmp;
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

  /** Empties {@code tmp/} at open: whatever is there was being written when a process stopped. */
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
      LOG.info("deleted {} temp files left over in {} by an earlier crash", n, dir.tmp());
    }
  }

  static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warn("could not delete temp file {}: {}", p, e.toString());
    }
  }
}
