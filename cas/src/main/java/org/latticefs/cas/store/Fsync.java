package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.annotations.SaveError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durability primitives the stores share.
 *
 * <p>{@link #filesystem} is Linux's {@code syncfs(2)}, reached through jnr-ffi: one call that
 * writes back every dirty page and inode of a file system, which is what lets a batch of thousands
 * of blobs cost about as much as writing the bytes once, instead of one device flush per file.
 */
final class Fsync {
  private static final Logger LOG = LoggerFactory.getLogger(Fsync.class);
  private static final LibC LIBC = loadLibc();

  private Fsync() {}

  /** The few libc calls used. Public only because jnr-ffi implements it in another loader. */
  public interface LibC {
    int open(String path, int flags);

    int close(int fd);

    @SaveError
    int syncfs(int fd);

    String strerror(int errnum);
  }

  private static LibC loadLibc() {
    if (Platform.getNativePlatform().getOS() != Platform.OS.LINUX) {
      return null;
    }
    try {
      return LibraryLoader.create(LibC.class)
          .load(Platform.getNativePlatform().getStandardCLibraryName());
    } catch (RuntimeException | LinkageError e) {
      LOG.info("syncfs unavailable ({}); batches sync file by file", e.toString());
      return null;
    }
  }

  /** Whether {@link #filesystem} works on this platform. */
  static boolean hasSyncfs() {
    return LIBC != null;
  }

  /** Makes the entries of {@code dir} (creations, renames, deletions) durable. */
  static void directory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Makes the content of the file {@code file} durable. */
  static void file(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(false);
    }
  }

  /**
   * Writes back everything dirty on the file system holding {@code anyPath} and waits for it
   * ({@code syncfs(2)}; Linux 5.8+ also reports write-back errors such as ENOSPC or EIO).
   *
   * @throws IOException if the call fails, with the system's error text
   * @throws IllegalStateException if {@link #hasSyncfs()} is false
   */
  static void filesystem(Path anyPath) throws IOException {
    if (LIBC == null) {
      throw new IllegalStateException("syncfs is not available here");
    }
    int fd = LIBC.open(anyPath.toString(), 0 /* O_RDONLY */);
    if (fd < 0) {
      throw new IOException("cannot open " + anyPath + " to sync its file system");
    }
    try {
      if (LIBC.syncfs(fd) != 0) {
        int errno = jnr.ffi.Runtime.getRuntime(LIBC).getLastError();
        throw new IOException("syncfs(" + anyPath + ") failed: " + LIBC.strerror(errno));
      }
    } finally {
      LIBC.close(fd);
    }
  }
}
