package org.latticefs.cas.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;

/**
 * The directory tree of a disk store: creates it private to its owner, holds it for one process,
 * and names the files in it ({@code {root}/cas/{hash[0:2]}/{hash}.blob} and the directories beside
 * the shards).
 *
 * <h2>Modes</h2>
 *
 * The store owns its modes, whatever the umask and whatever existed before: every open makes {@code
 * cas/}, its shard directories and the directories beside them 0700 (a pre-created 0755 tree is
 * fixed; one whose mode cannot be changed is refused with a message naming it), and the store
 * creates its files 0600. Opening does not visit the blobs: a 0700 directory already keeps every
 * other user from what is below it, whatever the modes of files an older version created.
 *
 * <p>Each of the 256 shard directories has a lock: whoever gives a blob its name or takes it away
 * holds it from the rename until the directory is synced, so that nobody reports a name durable
 * before it is. Thread-safe.
 */
final class StoreDirectory implements Closeable {
  /** Suffix of blob files. */
  static final String SUFFIX = ".blob";

  /** Suffix of temp files (never a blob name). */
  static final String TEMP_SUFFIX = ".tmp";

  private final Path root;
  private final Path tmp;
  private final Path quarantine;
  private final Path outboards;
  private final Path[] shards = new Path[256];
  private final ReentrantLock[] shardLocks = new ReentrantLock[256];
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final FileStore fileStore;
  private final boolean created;

  /** Mode of every directory of the store. */
  static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

  /** Mode of every file the store creates. */
  static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

  /** {@link #FILE_MODE} as an attribute for creating files. */
  static final FileAttribute<Set<PosixFilePermission>> FILE_ATTRIBUTE =
      PosixFilePermissions.asFileAttribute(FILE_MODE);

  private StoreDirectory(Path casDir, FileChannel lockChannel, FileLock lock, boolean created)
      throws IOException {
    this.root = casDir;
    this.tmp = casDir.resolve("tmp");
    this.quarantine = casDir.resolve("quarantine");
    this.outboards = casDir.resolve("outboards");
    this.lockChannel = lockChannel;
    this.lock = lock;
    for (int i = 0; i < 256; i++) {
      shardLocks[i] = new ReentrantLock();
      shards[i] = casDir.resolve(String.format("%02x", i));
    }
    boolean made = created;
    for (Path d : List.of(tmp, quarantine, outboards)) {
      made |= privateDirectory(d);
    }
    for (Path shard : shards) {
      made |= privateDirectory(shard);
    }
    if (made) {
      Fsync.directory(casDir);
      Fsync.directory(casDir.toAbsolutePath().getParent());
    }
    this.created = made;
    this.fileStore = Files.getFileStore(casDir);
  }

  /**
   * Creates (if needed) and locks {@code {dataRoot}/cas}. The caller closes it.
   *
   * @throws IOException if another store holds it, or a directory cannot be made
   */
  static StoreDirectory open(Path dataRoot) throws IOException {
    Path casDir = dataRoot.resolve("cas");
    if (!Files.isDirectory(dataRoot)) {
      Files.createDirectories(dataRoot);
    }
    boolean created = privateDirectory(casDir);
    Path lockFile = casDir.resolve("lock");
    FileChannel ch =
        FileChannel.open(
            lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), FILE_ATTRIBUTE);
    try {
      ownerOnly(lockFile, FILE_MODE);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (l == null) {
      ch.close();
      throw new IOException(
          "blob store " + casDir + " is already open (by this or another process)");
    }
    try {
      return new StoreDirectory(casDir, ch, l, created);
    } catch (IOException | RuntimeException e) {
      l.release();
      ch.close();
      throw e;
    }
  }

  /** {@code {dataRoot}/cas}. */
  Path root() {
    return root;
  }

  /** Where streamed and unnamed temp files are written. */
  Path tmp() {
    return tmp;
  }

  /** Where blobs found corrupt are moved. */
  Path quarantine() {
    return quarantine;
  }

  /** Where saved outboards live ({@code outboards/hh/}). */
  Path outboards() {
    return outboards;
  }

  /** Whether this open created a directory (a new store, or one missing parts). */
  boolean created() {
    return created;
  }

  /** The file system the store is on. */
  FileStore fileStore() {
    return fileStore;
  }

  /** A file in the store's top directory ({@code access}, …). */
  Path file(String name) {
    return root.resolve(name);
  }

  Path blobPath(BlobRef ref) {
    return shards[shardIndex(ref)].resolve(ref.hex() + SUFFIX);
  }

  Path shard(int index) {
    return shards[index];
  }

  static int shardIndex(BlobRef ref) {
    return ref.bytes()[0] & 0xff;
  }

  /** The shard a blob path ({@code …/hh/{hash}.blob}) is in: its directory's two hex digits. */
  static int shardIndexOf(Path blob) {
    return Integer.parseInt(blob.getParent().getFileName().toString(), 16);
  }

  /** The shard a file is in, or -1 if its directory is not a shard (such as {@code tmp/}). */
  static int shardOrNone(Path file) {
    String d = file.getParent().getFileName().toString();
    return d.length() == 2 && HexFormat.isHexDigit(d.charAt(0)) && HexFormat.isHexDigit(d.charAt(1))
        ? Integer.parseInt(d, 16)
        : -1;
  }

  ReentrantLock shardLock(int index) {
    return shardLocks[index];
  }

  ReentrantLock shardLock(BlobRef ref) {
    return shardLocks[shardIndex(ref)];
  }

  /**
   * Waits until nobody is between giving {@code ref}'s shard a name and syncing it: after this, a
   * name seen there is durable.
   */
  void awaitShard(BlobRef ref) {
    ReentrantLock l = shardLock(ref);
    l.lock();
    l.unlock();
  }

  /**
   * Up to {@code limit} blobs with refs above {@code after}, in ref order: lists shard directories
   * in order, one listing per shard a page touches. Files that are not blobs are skipped.
   */
  List<BlobInfo> list(Optional<BlobRef> after, int limit) throws IOException {
    if (limit <= 0) {
      return List.of();
    }
    String afterHex = after.map(BlobRef::hex).orElse(null);
    int shard = afterHex == null ? 0 : Integer.parseInt(afterHex.substring(0, 2), 16);
    List<BlobInfo> out = new ArrayList<>();
    for (; shard < 256 && out.size() < limit; shard++) {
      List<String> names = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(shards[shard])) {
        for (Path p : ds) {
          String hex = refHex(p.getFileName().toString());
          if (hex != null && (afterHex == null || hex.compareTo(afterHex) > 0)) {
            names.add(hex);
          }
        }
      }
      names.sort(null);
      for (String hex : names) {
        if (out.size() == limit) {
          break;
        }
        try {
          long size = Files.size(shards[shard].resolve(hex + SUFFIX));
          out.add(new BlobInfo(BlobRef.parse(hex), size));
        } catch (NoSuchFileException e) {
          // Removed concurrently.
        }
      }
    }
    return out;
  }

  /** The 64 hex digits if {@code name} is a blob file name, else null. */
  static String refHex(String name) {
    if (name.length() != 64 + SUFFIX.length() || !name.endsWith(SUFFIX)) {
      return null;
    }
    for (int i = 0; i < 64; i++) {
      char c = name.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return null;
      }
    }
    return name.substring(0, 64);
  }

  /**
   * Makes {@code dir} a directory with mode 0700: creates it if absent, changes the mode of one
   * that exists with another. Returns whether it created it.
   *
   * @throws IOException if it cannot be created, or its mode cannot be changed (the message names
   *     it and says what to do)
   */
  static boolean privateDirectory(Path dir) throws IOException {
    boolean created = false;
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        created = true;
      } catch (FileAlreadyExistsException raced) {
        // Made by someone else meanwhile (or a file is in the way: the mode check says so).
      }
    }
    // Also after creating it: the umask may have taken bits away.
    ownerOnly(dir, DIR_MODE);
    return created;
  }

  /** Gives {@code path} exactly {@code mode} unless it has it already. */
  private static void ownerOnly(Path path, Set<PosixFilePermission> mode) throws IOException {
    PosixFileAttributeView view =
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    PosixFileAttributes attrs;
    try {
      attrs = view.readAttributes();
    } catch (IOException e) {
      throw new IOException("cannot read the mode of " + path + ": " + e.getMessage(), e);
    }
    if (attrs.isSymbolicLink()) {
      throw new IOException(
          path + " is a symbolic link; the blob store keeps its own directories and files there");
    }
    if (attrs.permissions().equals(mode)) {
      return;
    }
    try {
      view.setPermissions(mode);
    } catch (IOException e) {
      throw new IOException(
          "cannot make "
              + path
              + " private to its owner (mode "
              + PosixFilePermissions.toString(mode)
              + ", it is "
              + PosixFilePermissions.toString(attrs.permissions())
              + ", owned by "
              + attrs.owner().getName()
              + "): "
              + e.getMessage()
              + ". Run lattice-fs as the owner of the data directory, or fix its mode",
          e);
    }
  }

  /** Releases the store for other processes. Idempotent. */
  @Override
  public void close() throws IOException {
    if (lockChannel.isOpen()) {
      lock.release();
      lockChannel.close();
    }
  }
}
