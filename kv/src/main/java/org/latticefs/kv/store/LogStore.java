package org.latticefs.kv.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.Durability;
import org.latticefs.kv.Head;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.log.ChainLog;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.CorruptLogException;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.state.StateView;
import org.latticefs.kv.sync.Equivocation;
import org.latticefs.kv.sync.IngestOutcome;
import org.latticefs.kv.sync.Replica;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store: per-author {@link ChainLog}s (the truth), the state derived from them, and the one
 * writer thread that keeps them in step. This class opens and closes the parts and routes each call
 * to the one that does it: local commits to {@link GroupCommit}, entries from elsewhere to {@link
 * Ingest}, reads to the state, history to {@link History}.
 *
 * <h2>On disk</h2>
 *
 * <pre>
 * {dir}/logs/{author hex}.log          one SigChain per author (the truth), with its checkpoint
 * {dir}/state/                         the Xodus state (derived; rebuilt at will)
 * {dir}/equivocations/{author hex}-{seq}.proof   fraud proofs ({@link Equivocation#toBytes})
 * {dir}/damaged/                       what was set aside: a damaged state
 * </pre>
 *
 * <h2>Crashes and damage</h2>
 *
 * An acknowledged DISK commit or an {@link IngestOutcome.Applied} entry is in its log (fsynced), as
 * is every commit acknowledged before it; an acknowledged PROCESS_CRASH commit is in its log as far
 * as the OS is concerned (it survives kill -9 of the process, and power loss once synced). The
 * state is not synced: {@link #open} checks it and brings it up to the logs (re-applying missing
 * entries, or rebuilding it from scratch if it is damaged or disagrees with them).
 *
 * <p>{@link #open} refuses a store whose files lost acknowledged data, with a {@link
 * DamagedStoreException} that names the file, says what to do, and lists the author ranges a peer
 * could restore: a log damaged other than by a torn tail, a log missing while its checkpoint or the
 * state says it held entries. The damaged file is not modified (an intact log opened before the
 * damage was found may have recorded its own acknowledged mark): the store opens once the file is
 * restored. It is never opened empty or with acknowledged entries cut.
 *
 * <h2>Concurrency</h2>
 *
 * Thread-safe. One writer per store; readers use state snapshots and never wait for it.
 */
public final class LogStore implements Store, Replica {
  private static final Logger LOG = LoggerFactory.getLogger(LogStore.class);

  private final UUID id;
  private final Path dir;
  private final Identity identity;
  private final StoreSettings settings;
  private final WriterThread writer;
  private final ChainLogs logs;
  private final StateKeeper state;
  private final ProofFiles proofs;
  private final OrphanBuffer orphans;
  private final WatchHub watches;
  private final AppendListeners appended;
  private final StoreCounters counters = new StoreCounters();
  private final GroupCommit commits;
  private final Ingest ingest;
  private volatile boolean closed;

  /**
   * Counters since open, for metrics and benchmarks.
   *
   * @param commitAppends log appends (fsyncs) made for local commits
   * @param committed local entries committed (committed / commitAppends = the group-commit factor)
   * @param ingested remote entries applied (orphans included once they apply)
   * @param rejected remote entries rejected
   * @param deferredSyncs fsyncs of the local log made by the writer for buffered ({@link
   *     Durability#PROCESS_CRASH}) commits, once their sync delay ran out
   */
  public record Stats(
      long commitAppends, long committed, long ingested, long rejected, long deferredSyncs) {}

  private LogStore(
      UUID id,
      Path dir,
      Identity identity,
      StoreSettings settings,
      WriterThread writer,
      ChainLogs logs,
      StateKeeper state,
      ProofFiles proofs) {
    this.id = id;
    this.dir = dir;
    this.identity = identity;
    this.settings = settings;
    this.writer = writer;
    this.logs = logs;
    this.state = state;
    this.proofs = proofs;
    this.orphans = new OrphanBuffer(settings.orphanLimit(), settings.orphanTtl());
    this.watches = new WatchHub(settings.watchBuffer());
    this.appended = new AppendListeners(id);
    this.commits =
        new GroupCommit(id, identity, settings, writer, logs, state, watches, appended, counters);
    this.ingest =
        new Ingest(
            id,
            writer,
            logs,
            state,
            watches,
            appended,
            new IngestRules(id, settings, logs, proofs, orphans),
            orphans,
            counters);
    long sweep = Math.max(1000, Math.min(settings.orphanTtl().toMillis() / 4, 60_000));
    writer.every(Duration.ofMillis(sweep), () -> orphans.expire(settings.time().instant()));
  }

  /**
   * Opens (creating if missing) the store {@code id} in {@code dir}: opens and verifies every log,
   * loads the equivocation proofs, opens the state and brings it up to the logs (rebuilding it if
   * it is damaged or disagrees with them).
   *
   * @throws DamagedStoreException if a file lost acknowledged data (see the class documentation);
   *     the damaged file was not modified
   * @throws KvException if a log is locked, or on I/O failure
   */
  public static LogStore open(Path dir, UUID id, Identity identity, StoreSettings settings)
      throws KvException {
    try {
      Files.createDirectories(dir.resolve("logs"));
      Files.createDirectories(dir.resolve("equivocations"));
    } catch (IOException e) {
      throw new KvException("cannot create store directory " + dir + ": " + e.getMessage(), e);
    }
    return open(
        id,
        dir,
        identity,
        settings,
        new DiskLogs(dir.resolve("logs"), id),
        new DiskState(dir),
        new ProofFiles(id, dir.resolve("equivocations")));
  }

  /**
   * A store {@code id} that keeps its logs and state in memory ({@code sources}), with the same
   * rules as on disk; nothing survives {@link #close}. For tests and tools (see {@link
   * org.latticefs.kv.memory.MemoryStores}).
   */
  public static LogStore inMemory(
      UUID id, Identity identity, StoreSettings settings, MemorySources sources)
      throws KvException {
    return open(
        id, null, identity, settings, sources.logs(id), sources.state(), new ProofFiles(id, null));
  }

  private static LogStore open(
      UUID id,
      Path dir,
      Identity identity,
      StoreSettings settings,
      ChainLogs.Source logSource,
      StateKeeper.Source stateSource,
      ProofFiles proofs)
      throws KvException {
    ChainLogs logs;
    try {
      logs = ChainLogs.open(logSource, settings.clock());
    } catch (CorruptLogException e) {
      throw damaged(id, e);
    }
    WriterThread writer = null;
    StateKeeper state = null;
    try {
      proofs.load();
      state = StateKeeper.open(id, stateSource);
      state.reconcile(logs, false);
      writer = new WriterThread(id);
      return new LogStore(id, dir, identity, settings, writer, logs, state, proofs);
    } catch (KvException | RuntimeException e) {
      if (writer != null) {
        writer.close();
      }
      closeQuietly(state, logs);
      throw e;
    }
  }

  private static DamagedStoreException damaged(UUID id, CorruptLogException e) {
    long to =
        e.lastAckSeq() >= e.firstBadSeq() ? e.lastAckSeq() : StoreDamage.DamagedRange.UNKNOWN_END;
    StoreDamage damage =
        new StoreDamage(
            id,
            e.file(),
            e.getMessage()
                + ". Restore the file from a backup"
                + " (a peer holding entries "
                + e.firstBadSeq()
                + ".."
                + (to == StoreDamage.DamagedRange.UNKNOWN_END ? "" : to)
                + " of "
                + e.author()
                + " can supply them again)",
            List.of(new StoreDamage.DamagedRange(e.author(), e.firstBadSeq(), to)));
    return new DamagedStoreException(damage, e);
  }

  private static void closeQuietly(StateKeeper state, ChainLogs logs) {
    try {
      if (state != null) {
        state.close();
      }
    } catch (KvException e) {
      LOG.warn("closing a state after a failed open: {}", e.toString());
    }
    try {
      logs.close();
    } catch (KvException e) {
      LOG.warn("closing logs after a failed open: {}", e.toString());
    }
  }

  /** The counters since open. */
  public Stats stats() {
    return counters.snapshot();
  }

  @Override
  public UUID id() {
    return id;
  }

  /** This node's id: the author of local commits. */
  public NodeId localAuthor() {
    return identity.id();
  }

  /** The directory of this store, or null for a store in memory. */
  public Path directory() {
    return dir;
  }

  // ---- local writes ----------------------------------------------------------------------------

  @Override
  public BlobRef commit(List<Op> ops) throws KvException {
    return commit(ops, Durability.DISK);
  }

  @Override
  public BlobRef commit(List<Op> ops, Durability durability) throws KvException {
    ensureOpen();
    return commits.commit(ops, durability);
  }

  /**
   * Fsyncs the local log, making every commit acknowledged so far durable on disk. Waits for the
   * writer (so commits already queued are appended, and covered, first).
   */
  @Override
  public void sync() throws KvException {
    ensureOpen();
    commits.sync();
  }

  /**
   * Whether some local commits are acknowledged but not yet fsynced ({@link
   * Durability#PROCESS_CRASH} ones within their sync delay). Waits for the writer.
   */
  public boolean hasUnsyncedCommits() throws KvException {
    return commits.hasUnsynced();
  }

  // ---- replication -----------------------------------------------------------------------------

  @Override
  public Map<NodeId, ChainTip> syncState() {
    return logs.tips();
  }

  @Override
  public Stream<SignedEntry> entriesAfter(NodeId author, long seq) throws KvException {
    Optional<ChainLog> log = logs.get(author);
    return log.isEmpty() ? Stream.empty() : log.get().entriesAfter(seq);
  }

  /** See {@link Replica#ingest}; the pipeline is {@link Ingest}'s. */
  @Override
  public List<IngestOutcome> ingest(Collection<SignedEntry> entries) throws KvException {
    ensureOpen();
    return ingest.ingest(entries);
  }

  /** See {@link Replica#ingestAsync}; the pipeline is {@link Ingest}'s. */
  @Override
  public java.util.concurrent.CompletableFuture<List<IngestOutcome>> ingestAsync(
      Collection<SignedEntry> entries) throws KvException {
    ensureOpen();
    return ingest.ingestAsync(entries);
  }

  /**
   * Drops orphans older than the time to live now; returns how many. The writer also does this at
   * every ingest and periodically (every quarter of the time to live, between 1 s and 1 min).
   */
  public int expireOrphans() throws KvException {
    return writer.call(() -> orphans.expire(settings.time().instant()));
  }

  /** How many orphans wait for their predecessor. */
  public int orphanCount() throws KvException {
    return writer.call(orphans::size);
  }

  @Override
  public boolean ingestProof(Equivocation proof) throws KvException {
    ensureOpen();
    if (!proof.first().entry().storeId().equals(id)) {
      throw new KvException(
          "the proof is for store " + proof.first().entry().storeId() + ", not " + id);
    }
    if (!proof.check()) {
      throw new KvException("the two entries do not prove an equivocation");
    }
    return writer.call(() -> ingest.recordProof(proof));
  }

  @Override
  public AutoCloseable onAppend(Runnable listener) throws KvException {
    ensureOpen();
    return appended.add(listener);
  }

  /** The fraud proofs this store holds, oldest first. Their authors' entries are refused. */
  @Override
  public List<Equivocation> equivocations() {
    return proofs.all();
  }

  // ---- state -----------------------------------------------------------------------------------

  /**
   * Discards the state and rebuilds it from the logs (what {@link #open} does when the state is
   * damaged). Watchers are not told; they see later changes as usual.
   *
   * @return the digest of the rebuilt state
   */
  public BlobRef rebuild() throws KvException {
    ensureOpen();
    return writer.call(() -> state.rebuild(logs));
  }

  /** The digest of the current state (see {@link org.latticefs.kv.state}). */
  public BlobRef stateDigest() throws KvException {
    ensureOpen();
    return state.backend().digest();
  }

  @Override
  public Optional<byte[]> get(String key) throws KvException {
    ensureOpen();
    return state.backend().get(key);
  }

  @Override
  public List<Head> heads(String key) throws KvException {
    ensureOpen();
    return state.backend().heads(key);
  }

  @Override
  public List<KeyValue> list(String prefix, String afterKey, int limit) throws KvException {
    ensureOpen();
    return state.backend().list(prefix, afterKey, limit);
  }

  @Override
  public StateView snapshot() throws KvException {
    ensureOpen();
    return state.backend().snapshot();
  }

  @Override
  public AutoCloseable watch(String prefix, Consumer<Change> listener) throws KvException {
    ensureOpen();
    return writer.call(() -> watches.register(prefix, listener, state.backend().snapshot()));
  }

  /**
   * Every entry (of every author) in log order: merged by (HLC, author, seq), which respects each
   * author's chain order. With a {@code key}, only entries with an operation on it. Read lazily
   * from the logs as of this call; close the stream to release it early.
   */
  @Override
  public Stream<HistoryEntry> history(String key) throws KvException {
    ensureOpen();
    return History.of(logs, key);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Lets the writer finish, stops watchers, closes (and so syncs) the logs, closes the state. */
  @Override
  public void close() throws KvException {
    if (closed) {
      return;
    }
    closed = true;
    writer.close();
    watches.close();
    KvException failure = null;
    try {
      logs.close();
    } catch (KvException e) {
      failure = e;
    }
    try {
      state.close();
    } catch (KvException e) {
      failure = e;
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void ensureOpen() throws KvException {
    if (closed) {
      throw new KvException("store " + id + " is closed");
    }
  }
}
