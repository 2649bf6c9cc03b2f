package org.latticefs.node;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * What the CLI asks of a node, whether it runs in this process ({@link LocalNode}) or in a daemon
 * reached over the control socket ({@link org.latticefs.node.control.ControlClient}).
 *
 * <p>A {@code store} argument is a store name or UUID; {@code null} or {@code ""} means the root
 * store. A store that does not exist is a {@link NodeException} naming it. Implementations are safe
 * for use by one thread at a time; the caller closes them.
 */
public interface NodeApi extends AutoCloseable {
  /**
   * The most key and value bytes one {@link #list} page carries beyond its first row: pages stay
   * far below the control protocol's answer limit, and neither end holds a whole listing.
   */
  int PAGE_BYTES = 1 << 20;

  /** The most key and value bytes one {@link #history} answer carries. */
  int HISTORY_BYTES = 4 << 20;

  /** This node's id in its text form. */
  String nodeId() throws IOException;

  /** The declared stores in name order. */
  List<StoreRow> stores() throws IOException;

  StoreRow createStore(String name) throws IOException;

  /** Removes a store's declaration; returns what was removed. */
  StoreRow removeStore(String nameOrUuid) throws IOException;

  /** Sets {@code key}; returns the hash of the log entry that did it. */
  String put(String store, String key, byte[] value) throws IOException;

  /** The winning value of {@code key}, empty if absent or deleted. */
  Optional<byte[]> get(String store, String key) throws IOException;

  /** Deletes {@code key}; returns false (and writes nothing) if it had no live value. */
  boolean remove(String store, String key) throws IOException;

  /**
   * One page of the live keys under {@code prefix} that sort after {@code afterKey} (null: from the
   * first), ascending: at most {@code limit} rows, fewer when their keys and values pass {@link
   * #PAGE_BYTES} (at least one row while any remains). Empty when none remain; to list them all,
   * call again with the last key returned.
   */
  List<Row> list(String store, String prefix, String afterKey, int limit) throws IOException;

  /** Every concurrent head of {@code key}, winner first; empty if never written. */
  List<HeadRow> heads(String store, String key) throws IOException;

  /**
   * The store's log entries, oldest first by HLC, at most the last {@code limit}; only those
   * touching {@code key} if non-null. A {@link NodeException} if their keys and values pass {@link
   * #HISTORY_BYTES} (ask for fewer).
   */
  List<EntryRow> history(String store, String key, int limit) throws IOException;

  /** What the node is doing: mounted or not, where, since when. */
  Status status() throws IOException;

  /** Lattice's view of a path inside the mount. */
  FileStat stat(String path) throws IOException;

  /**
   * Starts a garbage collection job: {@code gc} (a pass), {@code dry-run} (what a pass would
   * remove, removing nothing) or {@code du} (space use by class, from a dry run). Returns its id
   * for {@link #gcJob}. Through the daemon when one runs (it also collects on its own), else on the
   * data directory opened here.
   */
  String startGc(String kind) throws IOException;

  /** A job's progress, and its result once done. */
  GcJob gcJob(String id) throws IOException;

  /**
   * Pins {@code target} on this node: a manifest hash (64 hex digits: that manifest as it is) or an
   * absolute path inside the mount (that file or folder, following renames and new content; needs
   * the daemon). Returns the pin's row as {@code pin ls} shows it. Pinning what is pinned already
   * changes nothing.
   */
  java.util.Map<String, Object> pinAdd(String target) throws IOException;

  /**
   * Unpins {@code target} (as for {@link #pinAdd}); deletes nothing. False if it was not pinned.
   */
  boolean pinRemove(String target) throws IOException;

  /**
   * This node's pins with their state and, in the daemon, what the reconciler found of them (blobs,
   * bytes, progress), in key order.
   */
  List<java.util.Map<String, Object>> pins() throws IOException;

  /**
   * Which nodes keep {@code target} (a manifest hash, or a path inside the mount: needs the
   * daemon), and how much of it is here now.
   */
  java.util.Map<String, Object> whereis(String target) throws IOException;

  /** Sets this node's mode for {@code store}: {@code full} or {@code on-demand}. */
  java.util.Map<String, Object> setStoreMode(String store, String mode) throws IOException;

  /**
   * Starts {@code fsck}: every blob re-read and re-hashed, corrupt ones quarantined, the files that
   * lost data listed; with {@code repair}, good copies fetched through the fetch seam. Returns its
   * id for {@link #fsckJob} (progress in bytes).
   */
  String startFsck(boolean repair) throws IOException;

  /** An fsck job's progress, and its report once done. */
  GcJob fsckJob(String id) throws IOException;

  /**
   * Every version the file at {@code path} (inside the mount; it may be deleted, its folder must
   * exist) has had, oldest first, and whether each is still kept ({@code gc.keep_deleted}). Needs
   * the daemon.
   */
  List<java.util.Map<String, Object>> versions(String path) throws IOException;

  /**
   * A one-time invite valid for {@code ttlSeconds} (0: the default, a day): the line {@code peer
   * join} takes on the other node. Needs the running daemon (its mesh listens).
   */
  String invite(long ttlSeconds) throws IOException;

  /**
   * Joins the node that printed {@code line} ({@link #invite}): connects, proves both keys,
   * presents the secret; both nodes are then active in the root store and sync. Needs the daemon.
   */
  JoinRow join(String line) throws IOException;

  /** Every other node known to this one: trust, name, addresses, connection, lag per store. */
  List<PeerRow> peers() throws IOException;

  /**
   * Revokes node {@code id}: revoked in the root store (which spreads to every peer), its
   * connection cut at once. Returns whether it was known.
   */
  boolean revoke(String id) throws IOException;

  /** Trusts node {@code id} and dials it at {@code addr} ({@code HOST:PORT}) from now on. */
  void addPeer(String id, String addr) throws IOException;

  /** Asks a running daemon to unmount and exit; returns once it has unmounted. */
  void shutdown() throws IOException;

  @Override
  void close() throws IOException;

  /** A declared store. */
  record StoreRow(String id, String name, long createdAtMillis) {}

  /** A live key and its winning value. */
  record Row(String key, byte[] value) {}

  /** One concurrent head of a key; {@code value} null for a deletion. */
  record HeadRow(String key, byte[] value, String hlc, String author, String entry) {}

  /** One log entry. */
  record EntryRow(String hash, String author, long seq, String hlc, List<OpRow> ops) {}

  /** One operation of an entry; {@code value} null for a delete. */
  record OpRow(String kind, String key, byte[] value) {}

  /**
   * The node's state. {@code mountpoint} is null when not mounted; {@code pid} the daemon's; {@code
   * scrub} the background scrub's progress and last findings (null if unknown).
   *
   * @param damaged the stores kv refused to open because a file of theirs is damaged (absent from
   *     the mount)
   * @param unsaved content whose last commit failed: saved beside its file, or kept on disk
   */
  record Status(
      long pid,
      String nodeId,
      String dataDir,
      String mountpoint,
      long startedAtMillis,
      long blobCount,
      long blobBytes,
      List<DamagedRow> damaged,
      List<UnsavedRow> unsaved,
      java.util.Map<String, Object> scrub,
      Health health) {
    public Status {
      damaged = List.copyOf(damaged);
      unsaved = List.copyOf(unsaved);
    }
  }

  /**
   * What the status page and {@code lattice-fs status} show beyond the basics.
   *
   * @param version the running build
   * @param stores the declared stores, in name order (each a folder of the mount), with this node's
   *     mode for each and what it holds
   * @param files inodes the stores hold (as {@code df -i} counts them; -1 until first counted)
   * @param quotaBytes {@code storage.quota} (0: none)
   * @param usedBytes bytes that count toward the quota (blobs, outboards, writes in progress)
   * @param freeDiskBytes bytes available on the data disk (-1 if unknown)
   * @param diskBytes size of the data disk (-1 if unknown)
   * @param quarantinedBlobs corrupt blobs kept aside, not repaired
   * @param rejectedEntries remote log entries refused since start
   * @param equivocations fraud proofs held (authors refused)
   * @param gcRuns garbage collection passes run since start
   * @param gcFailures of those, passes that failed
   * @param gcLastSuccessMillis when the last pass that did not fail started (-1: none yet)
   * @param metrics where {@code /metrics} and the status page are served ({@code HOST:PORT}), null
   *     when off, or {@code not served: <why>} when the address could not be bound (the mount runs
   *     without them)
   * @param pins this node's pins not yet whole here or being walked now (at most {@link
   *     #STATUS_PINS}, in key order)
   * @param pinsInProgress how many pins are in progress in all (more than {@code pins} lists when
   *     past the limit)
   * @param pinsTotal this node's pins in all
   */
  record Health(
      String version,
      List<StoreHealth> stores,
      long files,
      long quotaBytes,
      long usedBytes,
      long freeDiskBytes,
      long diskBytes,
      long quarantinedBlobs,
      long rejectedEntries,
      long equivocations,
      long gcRuns,
      long gcFailures,
      long gcLastSuccessMillis,
      String metrics,
      List<PinRow> pins,
      long pinsInProgress,
      long pinsTotal) {
    public Health {
      stores = List.copyOf(stores);
      pins = List.copyOf(pins);
    }
  }

  /** The most pins in progress a {@link Health} lists (the status page stays short). */
  int STATUS_PINS = 20;

  /**
   * A declared store as the status shows it.
   *
   * @param mode this node's mode for it: {@code full} or {@code on-demand} ({@code unknown} if it
   *     could not be read)
   * @param inodes its files, folders and links (-1: not counted yet)
   * @param files of those, regular files (-1: not counted yet)
   * @param fileBytes the sum of their sizes, before dedup (-1: not counted yet)
   */
  record StoreHealth(
      String id,
      String name,
      long createdAtMillis,
      String mode,
      long inodes,
      long files,
      long fileBytes) {}

  /**
   * A pin in progress, from the pin reconciler: what it pins (a manifest hash or {@code
   * inode/<store uuid>/<id>}), the store (null for a manifest pin), its state in the root store
   * ({@code pending} or {@code stored}), the reconciler's phase ({@code queued}, {@code walking},
   * {@code incomplete}, {@code failed}), blobs and bytes found so far (-1 before its first walk),
   * blobs that could not be had, and the first problem (null if none).
   */
  record PinRow(
      String target,
      String store,
      String state,
      String phase,
      long blobs,
      long bytes,
      long missing,
      String problem) {}

  /** A store refused as damaged: its name (or UUID), the damaged file, what is wrong. */
  record DamagedRow(String store, String file, String reason) {
    /** {@code damaged <file>: <reason>}, as kv says it. */
    public String describe() {
      return "damaged " + file + ": " + reason;
    }
  }

  /**
   * Content whose last commit failed ({@code org.latticefs.fs.UnsavedFile}): the file's path as
   * last opened (null if unknown), the copy saved in the mount or the file kept on the local disk
   * (null if not), why, and when.
   */
  record UnsavedRow(
      String store, String path, String savedAs, String keptAt, String reason, long atMillis) {
    /** One line: where the content is. */
    public String describe() {
      String what = path != null ? path : "a file of store " + store;
      if (savedAs != null) {
        return "unsaved " + what + ": saved as " + savedAs + " (" + reason + ")";
      }
      if (keptAt != null) {
        return "unsaved " + what + ": kept on disk at " + keptAt + " (" + reason + ")";
      }
      return "unsaved " + what + ": lost (" + reason + ")";
    }
  }

  /**
   * A file or directory in the mount: its store, inode and type; for regular files the manifest and
   * its chunks.
   */
  record FileStat(
      String path,
      String store,
      String inode,
      String type,
      long size,
      String manifest,
      List<ChunkRow> chunks) {}

  /**
   * A garbage collection job.
   *
   * @param state {@code running}, {@code done} or {@code failed}
   * @param phase {@code starting}, {@code mark} or {@code sweep}
   * @param done steps of the phase done (roots marked, blobs examined)
   * @param total steps the phase is expected to take, -1 if unknown
   * @param result when done: the report ({@code gc}) or the space use ({@code du}), JSON-ready
   * @param error when failed: why
   */
  record GcJob(
      String id,
      String kind,
      String state,
      String phase,
      long done,
      long total,
      java.util.Map<String, Object> result,
      String error) {}

  /** The node a join reached. */
  record JoinRow(String id, String name, String via) {}

  /**
   * A peer: {@code lastSeenMillis} 0 when not seen since the daemon started (or no daemon runs),
   * {@code rttMicros} -1 when not measured.
   */
  record PeerRow(
      String id,
      String name,
      String status,
      List<String> addrs,
      boolean connected,
      String remote,
      long lastSeenMillis,
      long rttMicros,
      List<LagRow> stores) {}

  /**
   * How far apart this node and a peer are in a store: entries the peer lacks, entries this node
   * lacks (-1: not known yet).
   */
  record LagRow(String storeId, String store, long peerLacks, long weLack) {}

  /** One chunk of a file: where it starts, how long it is, its blob. */
  record ChunkRow(long offset, long length, String ref) {}
}
