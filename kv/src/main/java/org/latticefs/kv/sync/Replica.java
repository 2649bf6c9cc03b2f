package org.latticefs.kv.sync;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.SignedEntry;

/**
 * One store as replication sees it: per-author signed logs to compare, read and extend. This is all
 * a peer exchanges (the way restic keeps its {@code Backend} apart from the {@code Repository}
 * applications use); applications use {@link org.latticefs.kv.Store}.
 *
 * <p>Thread-safe. Ingests are serialized with the store's local commits on its one writer.
 */
public interface Replica {
  /** The store's id. */
  UUID id();

  /**
   * Per author, the last entry of its log here (seq, hash, HLC). Authors without entries omitted.
   */
  Map<NodeId, ChainTip> syncState() throws KvException;

  /**
   * The entries of {@code author} after {@code seq} (all for 0), in seq order, up to its tip at the
   * time of the call; empty if unknown here. Lazy; read failures surface as {@link
   * java.io.UncheckedIOException}. Closing the stream is optional.
   */
  Stream<SignedEntry> entriesAfter(NodeId author, long seq) throws KvException;

  /**
   * Validates, appends (durably) and applies entries received from elsewhere. Idempotent, any
   * order: entries whose predecessor is missing wait as orphans and apply when it arrives (or
   * expire after a time to live).
   *
   * @return per entry, in the order given: {@link IngestOutcome.Applied}, {@link
   *     IngestOutcome.Duplicate}, {@link IngestOutcome.Orphaned} or {@link IngestOutcome.Rejected}
   *     with a reason
   */
  List<IngestOutcome> ingest(Collection<SignedEntry> entries) throws KvException;

  /**
   * As {@link #ingest}, but returns once the entries' signatures are checked and the entries are
   * queued for the store's writer; the future completes with the outcomes when they are applied (or
   * fails as {@link #ingest} would throw). Calls made one after another from one thread are applied
   * in that order, so a caller can check the next batch's signatures while the writer appends and
   * applies the previous one. The future may complete on the writer: hand heavy work to another
   * thread.
   */
  java.util.concurrent.CompletableFuture<List<IngestOutcome>> ingestAsync(
      Collection<SignedEntry> entries) throws KvException;

  /**
   * Fraud proofs: pairs of entries one author signed with the same seq. Such an author's further
   * entries are refused by this store; the proofs survive restarts.
   */
  List<Equivocation> equivocations() throws KvException;

  /**
   * Keeps {@code proof}, a fraud proof learned from elsewhere, and refuses its author from now on
   * (its orphans dropped, its further entries rejected; entries already in its log stay). The proof
   * is {@linkplain Equivocation#check checked} first; it survives restarts like a proof found here.
   *
   * @return true if the author was not refused before
   * @throws KvException if the proof is not for this store or does not check
   */
  boolean ingestProof(Equivocation proof) throws KvException;

  /**
   * Makes every entry appended here so far durable (fsynced). Entries received from elsewhere
   * always are; this node's own buffered commits may not be yet. Send this node's entries to others
   * only after this: an entry lost to a power loss after a peer saw it would be signed again with
   * the same seq and different content, an equivocation.
   */
  void sync() throws KvException;

  /**
   * Calls {@code listener} after entries were appended to this store's logs (local commits and
   * applied entries from elsewhere; this node's own may not be durable yet, see {@link #sync}). It
   * runs on the store's writer, after the state has applied them, so it must return at once (hand
   * the work to another thread) and must not call back into this store on that thread. Closing the
   * returned handle stops the calls.
   */
  AutoCloseable onAppend(Runnable listener) throws KvException;
}
