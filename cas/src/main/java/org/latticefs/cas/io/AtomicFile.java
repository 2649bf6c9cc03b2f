package org.latticefs.cas.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a whole small file so that a crash at any point leaves either the old content or the
 * new, never a mix: write a temp file beside it, force it, rename it over the target, force the
 * directory.
 *
 * <p>When a write method returns, the new content survives a power loss. When it throws, the target
 * is unchanged and no temp file is left behind (unless the process dies first: temp files are named
 * {@code .{name}.{random}.tmp}, and the owner of the directory may delete such leftovers at open).
 * New files are created with mode 0600, whatever the umask. Not for concurrent writers of one
 * target: the caller serializes them.
 */
public final class AtomicFile {
  private AtomicFile() {}

  /** Writes one file's content to a channel positioned at 0. */
  @FunctionalInterface
  public interface Content {
    void writeTo(FileChannel channel) throws IOException;
  }

  /** Atomically replaces {@code file} with {@code bytes}. */
  public static void write(Path file, byte[] bytes) throws IOException {
    write(
        file,
        ch -> {
          ByteBuffer buf = ByteBuffer.wrap(bytes);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
        });
  }

  /** Atomically replaces {@code file} with what {@code content} writes. */
  public static void write(Path file, Content content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp =
        dir.resolve(
            "."
                + file.getFileName()
                + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
    boolean done = false;
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
        content.writeTo(ch);
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + file + " atomically on this file system", e);
      }
      done = true;
      fsyncDirectory(dir);
    } finally {
      if (!done) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * Forces {@code dir}'s entries (creates, renames, deletes in it) to disk. After a rename or a new
   * file, this is what makes the name itself survive a power loss.
   */
  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
