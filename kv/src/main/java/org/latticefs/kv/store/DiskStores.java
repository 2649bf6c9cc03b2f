package org.latticefs.kv.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.stream.Stream;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.StoreDamage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stores of one data directory, opened by one process at a time.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 * {data}/lock                      held (FileChannel.tryLock) while open
 * {data}/identity.key              this node's key pair ({@link Identity#loadOrCreate})
 * {data}/stores/{uuid}/            one {@link LogStore} per store; the root store is the nil UUID
 * </pre>
 *
 * <h2>Rules</h2>
 *
 * Authorization, store names, damaged stores: as {@link StoreCatalog} (shared with the stores in
 * memory). A damaged root store stops {@link #open}; a damaged app store is refused alone.
 *
 * <h2>Concurrency</h2>
 *
 * Thread-safe. Stores are opened once and shared; {@link #close} closes them all.
 */
public final class DiskStores extends StoreCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(DiskStores.class);

  private final Path dataDir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Identity identity;
  private boolean released;

  private DiskStores(
      Path dataDir,
      FileChannel lockChannel,
      FileLock lock,
      Identity identity,
      StoreSettings settings)
      throws KvException {
    super(
        identity.id(),
        settings,
        (id, s) ->
            id.equals(RootStore.ID)
                ? openRoot(storeDir(dataDir, id), identity, s)
                : LogStore.open(storeDir(dataDir, id), id, identity, s));
    this.dataDir = dataDir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.identity = identity;
  }

  /** Opens the root store; a damaged one stops everything, with a message that says what to do. */
  private static LogStore openRoot(Path dir, Identity identity, StoreSettings settings)
      throws KvException {
    try {
      return LogStore.open(dir, RootStore.ID, identity, settings);
    } catch (DamagedStoreException e) {
      StoreDamage d = e.damage();
      throw new DamagedStoreException(
          new StoreDamage(
              d.storeId(),
              d.file(),
              "the root store (the list of this node's stores and peers) cannot be opened, so"
                  + " nothing can start until "
                  + d.file()
                  + " is restored: "
                  + d.reason(),
              d.ranges()),
          e);
    }
  }

  /** Opens {@code dataDir} with default settings. */
  public static DiskStores open(Path dataDir) throws KvException {
    return open(dataDir, StoreSettings.defaults());
  }

  /**
   * Opens (creating if missing) {@code dataDir}: takes its lock, loads or creates the identity,
   * opens the root store.
   *
   * @param settings for every store; its policy is replaced by the root-store authorization above
   * @throws DamagedStoreException if the root store is damaged: the message names the file and what
   *     to do; the damaged file was not modified
   * @throws KvException if another process (or another open in this one) holds the directory: the
   *     message says the data directory is in use; or on I/O failure
   */
  public static DiskStores open(Path dataDir, StoreSettings settings) throws KvException {
    Path lockFile = dataDir.resolve("lock");
    FileChannel channel;
    try {
      Files.createDirectories(dataDir);
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new KvException("cannot open data directory " + dataDir + ": " + e.getMessage(), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new KvException("cannot lock " + lockFile + ": " + e.getMessage(), e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new KvException(
          "data directory "
              + dataDir
              + " is in use by another process (lock "
              + lockFile
              + " is held): stop it (or talk to the running daemon) and retry");
    }
    try {
      refuseIfIdentityLost(dataDir);
      Identity identity = Identity.loadOrCreate(dataDir);
      return new DiskStores(dataDir, channel, lock, identity, settings);
    } catch (KvException | RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /**
   * A missing key file is created, unless the directory already holds this node's root store: then
   * the key was lost, and a new one would make this node someone else in its own logs.
   */
  private static void refuseIfIdentityLost(Path dataDir) throws KvException {
    Path key = dataDir.resolve(Identity.FILE_NAME);
    Path rootLogs = dataDir.resolve("stores").resolve(RootStore.ID.toString()).resolve("logs");
    if (Files.exists(key) || !Files.isDirectory(rootLogs)) {
      return;
    }
    try (Stream<Path> files = Files.list(rootLogs)) {
      if (files.findAny().isPresent()) {
        throw new KvException(
            "the identity key file "
                + key
                + " is missing, but "
                + dataDir
                + " holds this node's stores: restore the key from a backup (the node id is its"
                + " name in its logs and in every mesh it joined); to start over as a new node,"
                + " move the data directory away");
      }
    } catch (IOException e) {
      throw new KvException("cannot read " + rootLogs + ": " + e.getMessage(), e);
    }
  }

  /** The data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /** This node's key pair (for signing elsewhere, e.g. the mesh handshake). */
  public Identity identity() {
    return identity;
  }

  @Override
  protected Path logFile(UUID id, NodeId author) {
    return new DiskLogs(storeDir(dataDir, id).resolve("logs"), id).locate(author);
  }

  private static Path storeDir(Path dataDir, UUID id) {
    return dataDir.resolve("stores").resolve(id.toString());
  }

  /** Closes every store, then releases the data directory's lock. */
  @Override
  public synchronized void close() throws KvException {
    if (released) {
      return;
    }
    released = true;
    try {
      super.close();
    } finally {
      try {
        lock.release();
      } catch (IOException e) {
        LOG.warn("cannot release {}", dataDir.resolve("lock"), e);
      }
      closeQuietly(lockChannel);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing more to release.
    }
  }
}
