package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Pinned;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durability primitives the stores share.
 *
 * <p>{@link #filesystem} is Linux's {@code syncfs(2)}, reached through jnr-ffi: one call that
 * writes back every dirty page and inode of a file system, which is what lets a batch of thousands
 * of blobs cost about as much as writing the bytes once, instead of one device flush per file.
 *
 * <p>{@link #writeNew} creates and fills a file with one {@code open}, {@code write} and {@code
 * close} straight from the caller's array (the JDK's way, {@code Files.createTempFile} then a
 * {@code FileChannel}, opens the file twice and first copies the bytes into a native buffer).
 *
 * <p>{@link #writeUnnamed} writes a file that has no name yet ({@code O_TMPFILE}), which {@link
 * #link} names later: creating it does not look up or change any directory.
 */
final class Fsync {
  private static final Logger LOG = LoggerFactory.getLogger(Fsync.class);
  private static final LibC LIBC = loadLibc();

  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 01;
  private static final int O_CREAT = 0100;
  private static final int O_EXCL = 0200;
  private static final int O_CLOEXEC = 02000000;

  /**
   * {@code O_TMPFILE} is {@code __O_TMPFILE | O_DIRECTORY}, and {@code O_DIRECTORY} differs between
   * architectures: 0 where this class does not know it (then there are no unnamed files).
   */
  private static final int O_TMPFILE = tmpfileFlag();

  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_FOLLOW = 0x400;
  private static final int EINTR = 4;
  private static final int EEXIST = 17;
  private static final int EISDIR = 21;
  private static final int EINVAL = 22;
  private static final int ENFILE = 23;
  private static final int EMFILE = 24;
  private static final int EOPNOTSUPP = 95;

  /** What {@link #writeUnnamed} returns when the file system has no unnamed files. */
  static final int UNNAMED_UNSUPPORTED = -1;

  /** What {@link #writeUnnamed} returns when the process (or system) is out of descriptors. */
  static final int NO_DESCRIPTOR = -2;

  /** Where an open file's descriptor can be named by path, for {@link #link}. */
  private static final boolean PROC_FD = Files.isDirectory(Path.of("/proc/self/fd"));

  private Fsync() {}

  /** The few libc calls used. Public only because jnr-ffi implements it in another loader. */
  public interface LibC {
    @SaveError
    int open(String path, int flags, int mode);

    @SaveError
    @ssize_t
    long write(int fd, @Pinned @In ByteBuffer buf, @size_t long count);

    @SaveError
    int close(int fd);

    @SaveError
    int linkat(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);

    @SaveError
    int syncfs(int fd);

    String strerror(int errnum);
  }

  private static int tmpfileFlag() {
    return switch (Platform.getNativePlatform().getCPU()) {
      case X86_64, I386 -> 020000000 | 0200000;
      case AARCH64, ARM -> 020000000 | 040000;
      default -> 0;
    };
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
    try (FileSystemHandle h = openFileSystem(anyPath)) {
      h.sync();
    }
  }

  /**
   * Opens the file system holding {@code anyPath} for {@code syncfs(2)}. Linux (5.8+) reports a
   * write-back error only to handles that were open when it happened, so a writer opens its handle
   * before it writes what the handle must later make durable: an error in the kernel's own
   * background write-back of those files is then not missed.
   *
   * @throws IllegalStateException if {@link #hasSyncfs()} is false
   */
  static FileSystemHandle openFileSystem(Path anyPath) throws IOException {
    if (LIBC == null) {
      throw new IllegalStateException("syncfs is not available here");
    }
    int fd = LIBC.open(anyPath.toString(), O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException(
          "cannot open "
              + anyPath
              + " to sync its file system: "
              + LIBC.strerror(jnr.ffi.Runtime.getRuntime(LIBC).getLastError()));
    }
    return new FileSystemHandle(anyPath, fd);
  }

  /** An open file system, see {@link #openFileSystem}. Safe for concurrent {@link #sync} calls. */
  static final class FileSystemHandle implements AutoCloseable {
    private final Path path;
    private final int fd;

    private FileSystemHandle(Path path, int fd) {
      this.path = path;
      this.fd = fd;
    }

    /**
     * Writes back everything dirty on the file system and waits for it.
     *
     * @throws IOException if that failed, or a write-back error happened since the handle was
     *     opened (or since the last call that reported one), with the system's error text
     */
    void sync() throws IOException {
      if (LIBC.syncfs(fd) != 0) {
        int errno = jnr.ffi.Runtime.getRuntime(LIBC).getLastError();
        throw new IOException("syncfs(" + path + ") failed: " + LIBC.strerror(errno));
      }
    }

    @Override
    public void close() {
      LIBC.close(fd);
    }
  }

  /** Whether {@link #writeNew} is available (Linux, libc reachable). */
  static boolean hasWriteNew() {
    return LIBC != null;
  }

  /**
   * Creates {@code file}, which must not exist ({@code O_EXCL}, mode 0600 before the umask), writes
   * {@code data[off, off+len)} to it and closes it. Nothing is durable until the caller syncs.
   *
   * @return false, having written nothing, if {@code file} already exists
   * @throws IOException with the system's error text ("No space left on device", ...); the caller
   *     deletes the partial file
   * @throws IllegalStateException if {@link #hasWriteNew()} is false
   */
  static boolean writeNew(Path file, byte[] data, int off, int len) throws IOException {
    if (LIBC == null) {
      throw new IllegalStateException("native file writes are not available here");
    }
    jnr.ffi.Runtime rt = jnr.ffi.Runtime.getRuntime(LIBC);
    int fd = LIBC.open(file.toString(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      int errno = rt.getLastError();
      if (errno == EEXIST) {
        return false;
      }
      throw new IOException(file + ": " + LIBC.strerror(errno));
    }
    boolean written = false;
    try {
      writeAll(fd, data, off, len, file);
      written = true;
    } finally {
      // A close error after a failed write would hide the write's error: report the first.
      if (LIBC.close(fd) != 0 && written) {
        throw new IOException("close " + file + ": " + LIBC.strerror(rt.getLastError()));
      }
    }
    return true;
  }

  /** Whether {@link #writeUnnamed} may work here (Linux on x86 or ARM, with {@code /proc}). */
  static boolean hasUnnamed() {
    return LIBC != null && PROC_FD && O_TMPFILE != 0;
  }

  /**
   * Creates a file without a name on the file system of {@code dir} ({@code O_TMPFILE}, mode 0600
   * before the umask), writes {@code data[off, off+len)} to it and returns its open descriptor,
   * which the caller must {@link #close}: the file is freed then unless {@link #link} named it.
   * Nothing is durable until the caller syncs. No directory gets an entry, so no directory is
   * searched or changed (and none waits for the disk while its blocks are being written back).
   *
   * @return the descriptor; {@link #UNNAMED_UNSUPPORTED} if the file system cannot create unnamed
   *     files; {@link #NO_DESCRIPTOR} if no descriptor is free
   * @throws IOException with the system's error text ("No space left on device", ...)
   */
  static int writeUnnamed(Path dir, byte[] data, int off, int len) throws IOException {
    jnr.ffi.Runtime rt = jnr.ffi.Runtime.getRuntime(LIBC);
    int fd = LIBC.open(dir.toString(), O_WRONLY | O_TMPFILE | O_CLOEXEC, 0600);
    if (fd < 0) {
      int errno = rt.getLastError();
      if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
        return UNNAMED_UNSUPPORTED;
      }
      if (errno == EMFILE || errno == ENFILE) {
        return NO_DESCRIPTOR;
      }
      throw new IOException(dir + ": unnamed file: " + LIBC.strerror(errno));
    }
    try {
      writeAll(fd, data, off, len, dir);
      return fd;
    } catch (IOException | RuntimeException e) {
      LIBC.close(fd);
      throw e;
    }
  }

  /**
   * Gives the file open as {@code fd} (from {@link #writeUnnamed}) the name {@code dst}, which must
   * not exist; the descriptor stays open.
   *
   * @return false, having changed nothing, if {@code dst} already exists
   * @throws IOException with the system's error text
   */
  static boolean link(int fd, Path dst) throws IOException {
    if (LIBC.linkat(AT_FDCWD, "/proc/self/fd/" + fd, AT_FDCWD, dst.toString(), AT_SYMLINK_FOLLOW)
        == 0) {
      return true;
    }
    int errno = jnr.ffi.Runtime.getRuntime(LIBC).getLastError();
    if (errno == EEXIST) {
      return false;
    }
    throw new IOException("link to " + dst + ": " + LIBC.strerror(errno));
  }

  /** Closes a descriptor from {@link #writeUnnamed}; errors are ignored (nothing was promised). */
  static void close(int fd) {
    LIBC.close(fd);
  }

  private static void writeAll(int fd, byte[] data, int off, int len, Path forErrors)
      throws IOException {
    jnr.ffi.Runtime rt = jnr.ffi.Runtime.getRuntime(LIBC);
    ByteBuffer buf = ByteBuffer.wrap(data, off, len);
    while (buf.hasRemaining()) {
      long n = LIBC.write(fd, buf, buf.remaining());
      if (n < 0) {
        int errno = rt.getLastError();
        if (errno == EINTR) {
          continue;
        }
        throw new IOException(forErrors + ": " + LIBC.strerror(errno));
      }
      buf.position(buf.position() + (int) n);
    }
  }
}
