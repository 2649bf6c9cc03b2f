package org.latticefs.kv.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Durability;
import org.latticefs.kv.Head;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.HlcException;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.KeyParents;
import org.latticefs.kv.log.SigChainLog;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.state.CorruptStateException;
import org.latticefs.kv.state.KeyChange;
import org.latticefs.kv.state.StateBackend;
import org.latticefs.kv.state.StateEntry;
import org.latticefs.kv.state.StateView;
import org.latticefs.kv.state.XodusStateBackend;
import org.latticefs.kv.sync.Equivocation;
import org.latticefs.kv.sync.IngestOutcome;
import org.latticefs.kv.sync.Replica;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store kept as per-author {@link SigChainLog}s with the state materialized in Xodus.
 *
 * <h2>On disk</h2>
 *
 * <pre>
 * {dir}/logs/{author hex}.log          one SigChain per author (the truth)
 * {dir}/state/                         the Xodus state (derived; deleted and rebuilt at will)
 * {dir}/equivocations/{author hex}-{seq}.proof   fraud proofs ({@link Equivocation#toBytes})
 * </pre>
 *
 * <h2>Writer</h2>
 *
 * One thread per store validates, appends and applies, for local {@link #commit}s and remote {@link
 * #ingest}s alike. Concurrent commits are grouped: all commits waiting when the writer gets to them
 * become consecutive entries written with one log append (one fsync) and applied in one state
 * transaction. Readers use state snapshots and never wait for the writer.
 *
 * <p>A batch made only of {@link Durability#PROCESS_CRASH} commits is appended without an fsync;
 * the writer then syncs the local log at the latest {@link StoreSettings#syncDelay()} later, unless
 * a {@link Durability#DISK} commit, {@link #sync()} or {@link #close()} did it first (an fsync of
 * the log covers every frame written before it).
 *
 * <h2>Crashes</h2>
 *
 * An acknowledged DISK commit or an {@link IngestOutcome.Applied} entry is in its log (fsynced), as
 * is every commit acknowledged before it; an acknowledged PROCESS_CRASH commit is in its log as far
 * as the OS is concerned (it survives kill -9 of the process, and power loss once synced). The
 * state is not synced: on {@link #open} it is checked and brought up to the logs (re-applying
 * missing entries, or rebuilding it from scratch if it is damaged or disagrees with them).
 *
 * <h2>Validation (ingest)</h2>
 *
 * In order: store id, author not an equivocator, {@link AuthorPolicy}, keys, duplicate or
 * equivocation (same seq, different content), signature, orphan (a gap before it), prev hash, HLC
 * after the predecessor's, HLC not too far ahead of the local clock ({@link
 * org.latticefs.kv.HybridClock#receive}).
 */
public final class LogStore implements Store, Replica {
  private static final Logger LOG = LoggerFactory.getLogger(LogStore.class);
  private static final HexFormat HEX = HexFormat.of();
  private static final int PARALLEL_VERIFY_THRESHOLD = 64;
  private static final int REPLAY_BATCH = 2048;
  private static final int INGEST_CHUNK = 256;

  private final UUID id;
  private final Path dir;
  private final Identity identity;
  private final StoreSettings settings;
  private final Map<NodeId, SigChainLog> logs = new ConcurrentHashMap<>();
  private final StateBackend state;
  private final ScheduledExecutorService writer;
  private final Thread writerThread;
  private final ConcurrentLinkedQueue<PendingCommit> commits = new ConcurrentLinkedQueue<>();
  private final OrphanBuffer orphans;
  private final List<Equivocation> proofs = new CopyOnWriteArrayList<>();
  private final Set<NodeId> equivocators = ConcurrentHashMap.newKeySet();
  private final WatchHub watches;
  private volatile boolean closed;
  private volatile boolean stateBehind;
  private final LongAdder commitAppends = new LongAdder();
  private final LongAdder committed = new LongAdder();
  private final LongAdder ingested = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder deferredSyncs = new LongAdder();

  /** Whether a deferred sync of the local log is scheduled; writer thread only. */
  private boolean syncScheduled;

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

  /** The counters since open. */
  public Stats stats() {
    return new Stats(
        commitAppends.sum(), committed.sum(), ingested.sum(), rejected.sum(), deferredSyncs.sum());
  }

  private record PendingCommit(
      List<Op> ops, Durability durability, CompletableFuture<BlobRef> done) {}

  private LogStore(UUID id, Path dir, Identity identity, StoreSettings settings, StateBackend state)
      throws KvException {
    this.id = id;
    this.dir = dir;
    this.identity = identity;
    this.settings = settings;
    this.state = state;
    this.orphans = new OrphanBuffer(settings.orphanLimit(), settings.orphanTtl());
    this.watches = new WatchHub(settings.watchBuffer());
    ScheduledThreadPoolExecutor w =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "kv-writer-" + id.toString().substring(0, 8));
              t.setDaemon(true);
              return t;
            });
    // close() syncs the logs itself: a pending deferred sync need not delay it.
    w.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.writer = w;
    this.writerThread = onWriterThread(() -> Thread.currentThread());
    long sweep = Math.max(1000, Math.min(settings.orphanTtl().toMillis() / 4, 60_000));
    writer.scheduleWithFixedDelay(
        () -> orphans.expire(settings.time().instant()), sweep, sweep, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens (creating if missing) the store {@code id} in {@code dir}: opens and verifies every log,
   * loads the equivocation proofs, opens the state and brings it up to the logs (rebuilding it if
   * it is damaged or disagrees with them).
   *
   * @throws KvException if a log is corrupt or locked, or on I/O failure
   */
  public static LogStore open(Path dir, UUID id, Identity identity, StoreSettings settings)
      throws KvException {
    try {
      Files.createDirectories(dir.resolve("logs"));
      Files.createDirectories(dir.resolve("equivocations"));
    } catch (IOException e) {
      throw new KvException("cannot create store directory " + dir + ": " + e.getMessage(), e);
    }
    Path stateDir = dir.resolve("state");
    StateBackend state;
    boolean rebuild = false;
    try {
      XodusStateBackend xodus = XodusStateBackend.open(stateDir);
      try {
        xodus.check();
        state = xodus;
      } catch (CorruptStateException e) {
        xodus.close();
        throw e;
      }
    } catch (CorruptStateException e) {
      LOG.warn("store {}: state is damaged ({}); rebuilding it from the logs", id, e.getMessage());
      deleteTree(stateDir);
      state = XodusStateBackend.open(stateDir);
      rebuild = true;
    }
    LogStore store = null;
    try {
      store = new LogStore(id, dir, identity, settings, state);
      store.openLogs();
      store.loadProofs();
      store.reconcile(rebuild);
      return store;
    } catch (KvException | RuntimeException e) {
      if (store != null) {
        store.closeQuietly();
      } else {
        state.close();
      }
      throw e;
    }
  }

  @Override
  public UUID id() {
    return id;
  }

  /** This node's id: the author of local commits. */
  public NodeId localAuthor() {
    return identity.id();
  }

  /** The directory of this store. */
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
    Objects.requireNonNull(durability, "durability");
    ensureOpen();
    if (ops == null || ops.isEmpty()) {
      throw new KvException("a commit needs at least one operation");
    }
    for (Op op : ops) {
      String why = Op.invalidKeyReason(op.key());
      if (why != null) {
        throw new KvException("invalid key '" + KeyBytes.display(op.key()) + "': " + why);
      }
    }
    if (Thread.currentThread() == writerThread) {
      throw new IllegalStateException("commit called from the store's own writer thread");
    }
    PendingCommit pending =
        new PendingCommit(List.copyOf(ops), durability, new CompletableFuture<>());
    commits.add(pending);
    try {
      writer.execute(this::drainCommits);
    } catch (RejectedExecutionException e) {
      commits.remove(pending);
      throw new KvException("store " + id + " is closed");
    }
    return await(pending.done());
  }

  /** Writer thread: turns every waiting commit into entries; one append, one state transaction. */
  private void drainCommits() {
    List<PendingCommit> batch = new ArrayList<>();
    for (PendingCommit c;
        batch.size() < settings.maxCommitBatch() && (c = commits.poll()) != null; ) {
      batch.add(c);
    }
    if (batch.isEmpty()) {
      return;
    }
    NodeId me = identity.id();
    List<SignedEntry> signed = new ArrayList<>();
    List<PendingCommit> accepted = new ArrayList<>();
    boolean sync = false;
    try {
      catchUpIfBehind();
      SigChainLog log = logFor(me);
      ChainTip tip = log.tip().orElse(null);
      Map<String, BlobRef> written = new HashMap<>();
      for (PendingCommit c : batch) {
        try {
          SignedEntry e = buildEntry(c.ops(), tip, written);
          signed.add(e);
          accepted.add(c);
          sync |= c.durability() == Durability.DISK;
          tip = new ChainTip(e.entry().seq(), e.hash(), e.entry().hlc());
          for (Op op : c.ops()) {
            written.put(op.key(), e.hash());
          }
        } catch (IllegalArgumentException e) {
          c.done().completeExceptionally(new KvException("invalid commit: " + e.getMessage(), e));
        }
      }
      if (signed.isEmpty()) {
        return;
      }
      log.append(signed, sync);
      commitAppends.increment();
      committed.add(signed.size());
      if (!sync && !syncScheduled) {
        try {
          writer.schedule(this::deferredSync, settings.syncDelay().toNanos(), TimeUnit.NANOSECONDS);
          syncScheduled = true;
        } catch (RejectedExecutionException closing) {
          // The store is closing: close() syncs the logs after the writer's last task.
        }
      }
    } catch (KvException | RuntimeException e) {
      KvException failure =
          e instanceof KvException k ? k : new KvException("commit failed: " + e, e);
      batch.forEach(c -> c.done().completeExceptionally(failure));
      return;
    }
    List<KeyChange> changes;
    try {
      changes = state.apply(signed.stream().map(LogStore::toStateEntry).toList());
    } catch (KvException | RuntimeException e) {
      stateBehind = true;
      KvException failure =
          new KvException("entry is durable in the log but the state update failed: " + e, e);
      accepted.forEach(c -> c.done().completeExceptionally(failure));
      return;
    }
    for (int i = 0; i < accepted.size(); i++) {
      accepted.get(i).done().complete(signed.get(i).hash());
    }
    watches.publish(changes, state::snapshot);
  }

  /** Writer thread: the sync delay of a buffered commit ran out. */
  private void deferredSync() {
    syncScheduled = false;
    SigChainLog log = logs.get(identity.id());
    if (log == null || !log.hasUnsynced()) {
      return;
    }
    try {
      log.sync();
      deferredSyncs.increment();
    } catch (KvException e) {
      LOG.error("store {}: deferred sync of the local log failed", id, e);
    }
  }

  /**
   * Fsyncs the local log, making every commit acknowledged so far durable on disk. Waits for the
   * writer (so commits already queued are appended, and covered, first).
   */
  @Override
  public void sync() throws KvException {
    ensureOpen();
    onWriterThread(
        () -> {
          SigChainLog log = logs.get(identity.id());
          if (log != null) {
            log.sync();
          }
          return null;
        });
  }

  /**
   * Whether some local commits are acknowledged but not yet fsynced ({@link
   * Durability#PROCESS_CRASH} ones within their sync delay). Waits for the writer.
   */
  public boolean hasUnsyncedCommits() throws KvException {
    return onWriterThread(
        () -> {
          SigChainLog log = logs.get(identity.id());
          return log != null && log.hasUnsynced();
        });
  }

  private SignedEntry buildEntry(List<Op> ops, ChainTip tip, Map<String, BlobRef> written)
      throws KvException {
    Set<String> keys = new LinkedHashSet<>();
    for (Op op : ops) {
      keys.add(op.key());
    }
    List<KeyParents> parents = new ArrayList<>(keys.size());
    for (String key : keys) {
      BlobRef mine = written.get(key);
      List<BlobRef> heads =
          mine != null ? List.of(mine) : state.heads(key).stream().map(Head::entry).toList();
      parents.add(new KeyParents(key, heads));
    }
    Hlc hlc = settings.clock().now();
    if (tip != null && hlc.compareTo(tip.hlc()) <= 0) {
      hlc = after(tip.hlc());
    }
    long seq = tip == null ? 1 : tip.seq() + 1;
    BlobRef prev = tip == null ? Entry.GENESIS : tip.hash();
    Entry entry = new Entry(id, identity.id(), seq, prev, hlc, parents, ops);
    return SignedEntry.sign(entry, identity);
  }

  private static Hlc after(Hlc h) {
    return h.counter() < Hlc.MAX_COUNTER
        ? new Hlc(h.physicalMillis(), h.counter() + 1)
        : new Hlc(h.physicalMillis() + 1, 0);
  }

  // ---- sync surface ----------------------------------------------------------------------------

  /** Per author, the last entry in its log (authors with an empty log are left out). */
  @Override
  public Map<NodeId, ChainTip> syncState() {
    Map<NodeId, ChainTip> out = new TreeMap<>();
    logs.forEach((author, log) -> log.tip().ifPresent(t -> out.put(author, t)));
    return out;
  }

  /**
   * The entries of {@code author} after {@code seq}, in seq order, up to its tip at the time of the
   * call; empty if the author has no log here. Read lazily; failures surface as {@link
   * UncheckedIOException}.
   */
  @Override
  public Stream<SignedEntry> entriesAfter(NodeId author, long seq) throws KvException {
    SigChainLog log = logs.get(author);
    return log == null ? Stream.empty() : log.entriesAfter(seq);
  }

  /**
   * Validates and applies entries from elsewhere, in any order, idempotently. Entries are sorted by
   * (author, seq) first, so a batch that holds a whole range applies it whole. Large batches are
   * pipelined in chunks of {@value #INGEST_CHUNK}: the caller checks the signatures of one chunk
   * (on all cores) while the writer appends and applies the previous one; each chunk is one log
   * append per author (one fsync) and one state transaction.
   *
   * @return per entry, in the order given, what happened to it
   * @throws KvException if the store is closed or its writer failed as a whole
   */
  @Override
  public List<IngestOutcome> ingest(Collection<SignedEntry> entries) throws KvException {
    ensureOpen();
    List<SignedEntry> list = List.copyOf(entries);
    Integer[] order = IntStream.range(0, list.size()).boxed().toArray(Integer[]::new);
    java.util.Arrays.sort(
        order,
        Comparator.comparing((Integer i) -> list.get(i).entry().author())
            .thenComparingLong(i -> list.get(i).entry().seq()));
    IngestOutcome[] outcomes = new IngestOutcome[list.size()];
    List<Future<List<IngestOutcome>>> pending = new ArrayList<>();
    List<int[]> positions = new ArrayList<>();
    for (int from = 0; from < order.length; from += INGEST_CHUNK) {
      int to = Math.min(order.length, from + INGEST_CHUNK);
      int[] at = new int[to - from];
      List<SignedEntry> chunk = new ArrayList<>(at.length);
      for (int k = from; k < to; k++) {
        at[k - from] = order[k];
        chunk.add(list.get(order[k]));
      }
      boolean[] valid = verify(chunk);
      positions.add(at);
      if (Thread.currentThread() == writerThread) {
        pending.add(CompletableFuture.completedFuture(ingestOnWriter(chunk, valid)));
        continue;
      }
      try {
        pending.add(writer.submit(() -> ingestOnWriter(chunk, valid)));
      } catch (RejectedExecutionException e) {
        throw new KvException("store " + id + " is closed");
      }
    }
    for (int c = 0; c < pending.size(); c++) {
      List<IngestOutcome> got = await(pending.get(c));
      int[] at = positions.get(c);
      for (int k = 0; k < at.length; k++) {
        outcomes[at[k]] = got.get(k);
      }
    }
    return List.of(outcomes);
  }

  private static boolean[] verify(List<SignedEntry> chunk) {
    boolean[] valid = new boolean[chunk.size()];
    IntStream indices = IntStream.range(0, chunk.size());
    if (chunk.size() >= PARALLEL_VERIFY_THRESHOLD) {
      indices = indices.parallel();
    }
    indices.forEach(i -> valid[i] = chunk.get(i).verifySignature());
    return valid;
  }

  /**
   * Drops orphans older than the time to live now; returns how many. The writer also does this at
   * every ingest and periodically (every quarter of the time to live, between 1 s and 1 min).
   */
  public int expireOrphans() throws KvException {
    return onWriterThread(() -> orphans.expire(settings.time().instant()));
  }

  /** How many orphans wait for their predecessor. */
  public int orphanCount() throws KvException {
    return onWriterThread(orphans::size);
  }

  /** The fraud proofs this store holds, oldest first. Their authors' entries are refused. */
  @Override
  public List<Equivocation> equivocations() {
    return List.copyOf(proofs);
  }

  private final class IngestBatch {
    final Instant now = settings.time().instant();
    final Map<NodeId, ChainTip> tips = new HashMap<>();
    final Map<NodeId, List<SignedEntry>> pending = new LinkedHashMap<>();
    final List<SignedEntry> order = new ArrayList<>();
    final Map<BlobRef, Integer> inputIndex = new HashMap<>();

    Optional<ChainTip> tip(NodeId author) {
      ChainTip t = tips.get(author);
      if (t != null) {
        return Optional.of(t);
      }
      SigChainLog log = logs.get(author);
      return log == null ? Optional.empty() : log.tip();
    }

    SignedEntry at(NodeId author, long seq) throws KvException {
      List<SignedEntry> p = pending.get(author);
      if (p != null && !p.isEmpty()) {
        long first = p.get(0).entry().seq();
        if (seq >= first) {
          return p.get((int) (seq - first));
        }
      }
      return logs.get(author)
          .get(seq)
          .orElseThrow(() -> new KvException("log of " + author + " has no entry " + seq));
    }

    void accept(SignedEntry e) {
      Entry en = e.entry();
      pending.computeIfAbsent(en.author(), a -> new ArrayList<>()).add(e);
      tips.put(en.author(), new ChainTip(en.seq(), e.hash(), en.hlc()));
      order.add(e);
    }
  }

  private List<IngestOutcome> ingestOnWriter(List<SignedEntry> list, boolean[] valid)
      throws KvException {
    catchUpIfBehind();
    IngestBatch batch = new IngestBatch();
    orphans.expire(batch.now);
    IngestOutcome[] outcomes = new IngestOutcome[list.size()];
    Integer[] sorted = IntStream.range(0, list.size()).boxed().toArray(Integer[]::new);
    java.util.Arrays.sort(
        sorted,
        Comparator.comparing((Integer i) -> list.get(i).entry().author())
            .thenComparingLong(i -> list.get(i).entry().seq()));
    for (int i : sorted) {
      outcomes[i] = admit(list.get(i), valid[i], batch);
      if (outcomes[i] instanceof IngestOutcome.Rejected) {
        rejected.increment();
      }
      if (outcomes[i] instanceof IngestOutcome.Applied) {
        batch.inputIndex.put(list.get(i).hash(), i);
      }
    }
    List<SignedEntry> durable = new ArrayList<>();
    Set<NodeId> failed = new java.util.HashSet<>();
    for (Map.Entry<NodeId, List<SignedEntry>> p : batch.pending.entrySet()) {
      try {
        logFor(p.getKey()).append(p.getValue());
      } catch (KvException e) {
        LOG.error("store {}: cannot append entries of {}", id, p.getKey(), e);
        failed.add(p.getKey());
        for (SignedEntry lost : p.getValue()) {
          Integer i = batch.inputIndex.get(lost.hash());
          if (i != null) {
            outcomes[i] = new IngestOutcome.Rejected("log append failed: " + e.getMessage());
          }
        }
      }
    }
    for (SignedEntry e : batch.order) {
      if (!failed.contains(e.entry().author())) {
        durable.add(e);
      }
    }
    ingested.add(durable.size());
    if (!durable.isEmpty()) {
      List<KeyChange> changes;
      try {
        changes = state.apply(durable.stream().map(LogStore::toStateEntry).toList());
      } catch (KvException | RuntimeException e) {
        stateBehind = true;
        throw new KvException("entries are durable in the logs but the state update failed", e);
      }
      watches.publish(changes, state::snapshot);
    }
    return List.of(outcomes);
  }

  private IngestOutcome admit(SignedEntry e, boolean signatureValid, IngestBatch batch)
      throws KvException {
    Entry en = e.entry();
    NodeId author = en.author();
    long seq = en.seq();
    if (!en.storeId().equals(id)) {
      return rejected("entry belongs to store " + en.storeId() + ", not " + id);
    }
    if (equivocators.contains(author)) {
      return rejected("author " + author + " equivocated (proof kept); its entries are refused");
    }
    if (!settings.policy().allows(author)) {
      return rejected("author " + author + " is not authorized to write to store " + id);
    }
    for (Op op : en.ops()) {
      String why = Op.invalidKeyReason(op.key());
      if (why != null) {
        return rejected("invalid key '" + KeyBytes.display(op.key()) + "': " + why);
      }
    }
    ChainTip tip = batch.tip(author).orElse(null);
    if (tip != null && seq <= tip.seq()) {
      SignedEntry have = batch.at(author, seq);
      if (have.hash().equals(e.hash())) {
        return IngestOutcome.DUPLICATE;
      }
      if (!signatureValid) {
        return rejected("bad signature by " + author + " on entry " + seq);
      }
      return equivocation(have, e);
    }
    if (!signatureValid) {
      return rejected("bad signature by " + author + " on entry " + seq);
    }
    long expected = tip == null ? 1 : tip.seq() + 1;
    if (seq > expected) {
      Optional<SignedEntry> waiting = orphans.get(author, seq);
      if (waiting.isPresent()) {
        return waiting.get().hash().equals(e.hash())
            ? IngestOutcome.ORPHANED
            : equivocation(waiting.get(), e);
      }
      if (orphans.isFull()) {
        return rejected(
            "orphan buffer full ("
                + settings.orphanLimit()
                + " entries); entry "
                + seq
                + " of "
                + author
                + " waits for entry "
                + expected);
      }
      orphans.add(e, batch.now);
      return IngestOutcome.ORPHANED;
    }
    String why = chainFault(e, tip);
    if (why != null) {
      return rejected(why);
    }
    batch.accept(e);
    for (long next = seq + 1; ; next++) {
      Optional<SignedEntry> orphan = orphans.take(author, next);
      if (orphan.isEmpty()) {
        break;
      }
      String fault = chainFault(orphan.get(), batch.tip(author).orElseThrow());
      if (fault != null) {
        LOG.info("store {}: dropping orphan {} of {}: {}", id, next, author, fault);
        break;
      }
      batch.accept(orphan.get());
    }
    return IngestOutcome.APPLIED;
  }

  /** Why {@code e} cannot follow {@code tip} (null for the first entry), or null if it can. */
  private String chainFault(SignedEntry e, ChainTip tip) {
    Entry en = e.entry();
    BlobRef expectedPrev = tip == null ? Entry.GENESIS : tip.hash();
    if (!en.prev().equals(expectedPrev)) {
      return "prev hash "
          + en.prev()
          + " of entry "
          + en.seq()
          + " by "
          + en.author()
          + " is not the hash of its entry "
          + (en.seq() - 1)
          + " ("
          + expectedPrev
          + ")";
    }
    if (tip != null && en.hlc().compareTo(tip.hlc()) <= 0) {
      return "HLC " + en.hlc() + " of entry " + en.seq() + " is not after its predecessor's";
    }
    try {
      settings.clock().receive(en.hlc());
    } catch (HlcException ex) {
      return "HLC " + en.hlc() + " is too far in the future: " + ex.getMessage();
    }
    return null;
  }

  private IngestOutcome equivocation(SignedEntry have, SignedEntry other) {
    Equivocation proof = new Equivocation(have, other);
    NodeId author = proof.author();
    if (equivocators.add(author)) {
      proofs.add(proof);
      orphans.dropAuthor(author);
      saveProof(proof);
      LOG.warn("store {}: author {} equivocated at seq {}; refusing it", id, author, proof.seq());
    }
    return rejected(
        "equivocation: "
            + author
            + " signed two different entries with seq "
            + proof.seq()
            + "; proof kept, author refused");
  }

  private static IngestOutcome rejected(String reason) {
    return new IngestOutcome.Rejected(reason);
  }

  private void saveProof(Equivocation proof) {
    Path target =
        dir.resolve("equivocations")
            .resolve(HEX.formatHex(proof.author().publicKey()) + "-" + proof.seq() + ".proof");
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(proof.toBytes()));
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        d.force(true);
      }
    } catch (IOException e) {
      LOG.error("store {}: cannot save equivocation proof {}", id, target, e);
    }
  }

  private void loadProofs() throws KvException {
    try (Stream<Path> files = Files.list(dir.resolve("equivocations"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".proof")).sorted().toList()) {
        try {
          Equivocation proof = Equivocation.parse(Files.readAllBytes(f));
          if (!proof.first().entry().storeId().equals(id)) {
            throw new KvException("proof is for store " + proof.first().entry().storeId());
          }
          proofs.add(proof);
          equivocators.add(proof.author());
        } catch (KvException e) {
          LOG.warn("store {}: ignoring unusable proof {}: {}", id, f, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new KvException("cannot read proofs of store " + id + ": " + e.getMessage(), e);
    }
  }

  // ---- logs and state --------------------------------------------------------------------------

  private void openLogs() throws KvException {
    try (Stream<Path> files = Files.list(dir.resolve("logs"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
        String name = f.getFileName().toString();
        NodeId author;
        try {
          author = new NodeId(HEX.parseHex(name.substring(0, name.length() - 4)));
        } catch (IllegalArgumentException e) {
          LOG.warn("store {}: ignoring {}: not named after an author", id, f);
          continue;
        }
        SigChainLog log = SigChainLog.open(f, id, author);
        logs.put(author, log);
        log.tip()
            .ifPresent(
                t -> {
                  try {
                    settings.clock().receive(t.hlc());
                  } catch (HlcException ignored) {
                    // Our own wall clock is far behind an old entry: commits still order after it.
                  }
                });
      }
    } catch (IOException e) {
      throw new KvException("cannot list logs of store " + id + ": " + e.getMessage(), e);
    }
  }

  private SigChainLog logFor(NodeId author) throws KvException {
    SigChainLog log = logs.get(author);
    if (log == null) {
      Path file = dir.resolve("logs").resolve(HEX.formatHex(author.publicKey()) + ".log");
      log = SigChainLog.open(file, id, author);
      logs.put(author, log);
    }
    return log;
  }

  /**
   * Brings the state up to the logs: re-applies entries the state has not seen, or clears and
   * rebuilds it when it disagrees with them (a tip the logs do not hold).
   */
  private void reconcile(boolean rebuild) throws KvException {
    Map<NodeId, org.latticefs.kv.state.AppliedTip> applied = state.tips();
    for (Map.Entry<NodeId, org.latticefs.kv.state.AppliedTip> t : applied.entrySet()) {
      SigChainLog log = logs.get(t.getKey());
      Optional<SignedEntry> same = log == null ? Optional.empty() : log.get(t.getValue().seq());
      if (same.isEmpty() || !same.get().hash().equals(t.getValue().hash())) {
        LOG.warn("store {}: state disagrees with the log of {}; rebuilding", id, t.getKey());
        rebuild = true;
        break;
      }
    }
    if (rebuild) {
      state.clear();
      applied = Map.of();
    }
    for (Map.Entry<NodeId, SigChainLog> l : new TreeMap<>(logs).entrySet()) {
      org.latticefs.kv.state.AppliedTip t = applied.get(l.getKey());
      replay(l.getValue(), t == null ? 0 : t.seq());
    }
    stateBehind = false;
  }

  private void replay(SigChainLog log, long afterSeq) throws KvException {
    try (Stream<SignedEntry> entries = log.entriesAfter(afterSeq)) {
      List<StateEntry> batch = new ArrayList<>(REPLAY_BATCH);
      for (Iterator<SignedEntry> it = entries.iterator(); it.hasNext(); ) {
        batch.add(toStateEntry(it.next()));
        if (batch.size() == REPLAY_BATCH) {
          state.apply(batch);
          batch.clear();
        }
      }
      state.apply(batch);
    } catch (UncheckedIOException e) {
      throw new KvException("cannot read the log of " + log.author() + ": " + e.getMessage(), e);
    }
  }

  private void catchUpIfBehind() throws KvException {
    if (stateBehind) {
      reconcile(false);
    }
  }

  /**
   * Discards the state and rebuilds it from the logs (what {@link #open} does when the state is
   * damaged). Watchers are not told; they see later changes as usual.
   *
   * @return the digest of the rebuilt state
   */
  public BlobRef rebuild() throws KvException {
    ensureOpen();
    return onWriterThread(
        () -> {
          reconcile(true);
          return state.digest();
        });
  }

  /** The digest of the current state (see {@link org.latticefs.kv.state}). */
  public BlobRef stateDigest() throws KvException {
    ensureOpen();
    return state.digest();
  }

  static StateEntry toStateEntry(SignedEntry s) {
    Entry e = s.entry();
    Map<String, Set<BlobRef>> parents = new HashMap<>();
    for (KeyParents kp : e.parents()) {
      parents.put(kp.key(), Set.copyOf(kp.heads()));
    }
    return new StateEntry(e.author(), e.seq(), s.hash(), e.hlc(), parents, e.ops());
  }

  // ---- reads -----------------------------------------------------------------------------------

  @Override
  public Optional<byte[]> get(String key) throws KvException {
    ensureOpen();
    return state.get(key);
  }

  @Override
  public List<Head> heads(String key) throws KvException {
    ensureOpen();
    return state.heads(key);
  }

  @Override
  public List<KeyValue> list(String prefix, String afterKey, int limit) throws KvException {
    ensureOpen();
    return state.list(prefix, afterKey, limit);
  }

  @Override
  public StateView snapshot() throws KvException {
    ensureOpen();
    return state.snapshot();
  }

  @Override
  public AutoCloseable watch(String prefix, Consumer<Change> listener) throws KvException {
    ensureOpen();
    return onWriterThread(() -> watches.register(prefix, listener, state.snapshot()));
  }

  /**
   * Every entry (of every author) in log order: merged by (HLC, author, seq), which respects each
   * author's chain order. With a {@code key}, only entries with an operation on it. Read lazily
   * from the logs as of this call; close the stream to release it early.
   */
  @Override
  public Stream<HistoryEntry> history(String key) throws KvException {
    ensureOpen();
    Comparator<SignedEntry> order =
        Comparator.comparing((SignedEntry s) -> s.entry().hlc())
            .thenComparing(s -> s.entry().author())
            .thenComparingLong(s -> s.entry().seq());
    record Cursor(SignedEntry head, Iterator<SignedEntry> rest) {}
    PriorityQueue<Cursor> queue = new PriorityQueue<>(Comparator.comparing(Cursor::head, order));
    List<Stream<SignedEntry>> streams = new ArrayList<>();
    for (SigChainLog log : new TreeMap<>(logs).values()) {
      Stream<SignedEntry> s = log.entriesAfter(0);
      streams.add(s);
      Iterator<SignedEntry> it = s.iterator();
      if (it.hasNext()) {
        queue.add(new Cursor(it.next(), it));
      }
    }
    Iterator<SignedEntry> merged =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return !queue.isEmpty();
          }

          @Override
          public SignedEntry next() {
            Cursor c = queue.poll();
            if (c == null) {
              throw new NoSuchElementException();
            }
            if (c.rest().hasNext()) {
              queue.add(new Cursor(c.rest().next(), c.rest()));
            }
            return c.head();
          }
        };
    Stream<SignedEntry> all =
        StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(
                    merged, Spliterator.ORDERED | Spliterator.NONNULL),
                false)
            .onClose(() -> streams.forEach(Stream::close));
    if (key != null) {
      all = all.filter(s -> s.entry().ops().stream().anyMatch(op -> op.key().equals(key)));
    }
    return all.map(
        s -> {
          Entry e = s.entry();
          return new HistoryEntry(s.hash(), e.author(), e.seq(), e.hlc(), e.ops());
        });
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  @Override
  public void close() throws KvException {
    if (closed) {
      return;
    }
    closed = true;
    writer.shutdown();
    try {
      if (!writer.awaitTermination(60, TimeUnit.SECONDS)) {
        LOG.warn("store {}: writer did not finish within 60 s", id);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    watches.close();
    KvException failure = null;
    for (SigChainLog log : logs.values()) {
      try {
        log.close();
      } catch (KvException e) {
        failure = e;
      }
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

  private void closeQuietly() {
    try {
      close();
    } catch (KvException e) {
      LOG.warn("store {}: close after a failed open also failed", id, e);
    }
  }

  private void ensureOpen() throws KvException {
    if (closed) {
      throw new KvException("store " + id + " is closed");
    }
  }

  private interface WriterTask<T> {
    T run() throws KvException;
  }

  private <T> T onWriterThread(WriterTask<T> task) throws KvException {
    if (Thread.currentThread() == writerThread) {
      return task.run();
    }
    Future<T> f;
    try {
      f = writer.submit((Callable<T>) task::run);
    } catch (RejectedExecutionException e) {
      throw new KvException("store " + id + " is closed");
    }
    return await(f);
  }

  private static <T> T await(Future<T> f) throws KvException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvException("interrupted while waiting for the store's writer", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof KvException k) {
        throw k;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new KvException("store writer failed: " + cause, cause);
    }
  }

  private static void deleteTree(Path root) throws KvException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new KvException("cannot delete " + root + ": " + e.getMessage(), e);
    }
  }
}
