package org.latticefs.fs.core;

import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.Durability;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;

/**
 * One mounted store: its kv store, the lock that serializes namespace changes in it, and the files
 * created on this node whose first commit is still pending (they exist only in memory until their
 * first flush, so that create, write and close cost one log entry).
 */
final class StoreContext {
  final UUID id;

  /** The store's current name (a store renamed elsewhere keeps its context). */
  volatile String name;

  final Store store;
  final long inoSalt;
  final ReentrantLock namespace = new ReentrantLock();

  /** Created-but-uncommitted files by dirent key. */
  final ConcurrentHashMap<String, OpenFile> pending = new ConcurrentHashMap<>();

  StoreContext(UUID id, String name, Store store) {
    this.id = id;
    this.name = name;
    this.store = store;
    long salt = id.getMostSignificantBits() ^ id.getLeastSignificantBits();
    this.inoSalt = salt * 0x9E3779B97F4A7C15L;
  }

  /**
   * Commits {@code ops} as one log entry, durable against a crash of the daemon (kill -9) on return
   * and on disk within the store's sync delay; {@link #sync()} makes it (and every earlier one)
   * durable against a power loss.
   */
  void commit(List<Op> ops) throws KvException {
    store.commit(ops, Durability.PROCESS_CRASH);
  }

  /** Fsyncs every commit made so far in this store (fsync, fsyncdir, unmount). */
  void sync() throws KvException {
    store.sync();
  }

  /**
   * ENOTEMPTY unless directory {@code dir} has no entry, neither committed nor created here and not
   * committed yet. Caller holds the namespace lock.
   */
  void requireEmpty(long dir, String path) throws IOException {
    String prefix = Keys.direntPrefix(dir);
    if (!store.list(prefix, null, 1).isEmpty()) {
      throw new FsException(Errno.ENOTEMPTY, path);
    }
    for (String k : pending.keySet()) {
      if (k.startsWith(prefix)) {
        throw new FsException(Errno.ENOTEMPTY, path);
      }
    }
  }

  /**
   * The inode number the kernel sees: below 2^63 (32-bit and Java tools read it as signed), stable
   * for an id, unique across stores with overwhelming probability. The id is mixed with the store's
   * salt and the top bit cleared. Ids drawn by this build are below 2^63, so within a store two of
   * them never share a number; an id from an older build (any 64 bits) shares its number only with
   * the id that differs from it in the top bit, which new ids avoid ({@code Namespace}). 0 and 1
   * (the mount root) are never returned.
   */
  long ino(long id) {
    long ino = (id ^ inoSalt) & Long.MAX_VALUE;
    return ino == 0 || ino == 1 ? ino + 2 : ino;
  }
}
