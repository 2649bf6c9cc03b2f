package org.latticefs.kv.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.HlcException;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.log.ChainLog;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.sync.Equivocation;
import org.latticefs.kv.sync.IngestOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens to each entry from elsewhere, in order: store id, author not an equivocator,
 * {@link org.latticefs.kv.sync.AuthorPolicy}, keys, duplicate or equivocation (same seq, different
 * content), signature, orphan (a gap before it), prev hash, HLC after the predecessor's, HLC not
 * too far ahead of the local clock ({@link org.latticefs.kv.HybridClock#receive}). Accepted entries
 * gather in a {@link Batch}; orphans wait in the {@link OrphanBuffer}. Writer thread only.
 */
final class IngestRules {
  private static final Logger LOG = LoggerFactory.getLogger(IngestRules.class);

  private final UUID storeId;
  private final StoreSettings settings;
  private final ChainLogs logs;
  private final ProofFiles proofs;
  private final OrphanBuffer orphans;

  IngestRules(
      UUID storeId,
      StoreSettings settings,
      ChainLogs logs,
      ProofFiles proofs,
      OrphanBuffer orphans) {
    this.storeId = storeId;
    this.settings = settings;
    this.logs = logs;
    this.proofs = proofs;
    this.orphans = orphans;
  }

  /** The entries one ingest accepts, per author in chain order, and the tips they make. */
  final class Batch {
    final Instant now = settings.time().instant();
    private final Map<NodeId, ChainTip> tips = new HashMap<>();
    final Map<NodeId, List<SignedEntry>> accepted = new LinkedHashMap<>();
    final List<SignedEntry> order = new ArrayList<>();

    Optional<ChainTip> tip(NodeId author) {
      ChainTip t = tips.get(author);
      if (t != null) {
        return Optional.of(t);
      }
      return logs.get(author).flatMap(ChainLog::tip);
    }

    SignedEntry at(NodeId author, long seq) throws KvException {
      List<SignedEntry> p = accepted.get(author);
      if (p != null && !p.isEmpty()) {
        long first = p.get(0).entry().seq();
        if (seq >= first) {
          return p.get((int) (seq - first));
        }
      }
      return logs.get(author)
          .orElseThrow(() -> new KvException("no log of " + author))
          .get(seq)
          .orElseThrow(() -> new KvException("log of " + author + " has no entry " + seq));
    }

    private void accept(SignedEntry e) {
      Entry en = e.entry();
      accepted.computeIfAbsent(en.author(), a -> new ArrayList<>()).add(e);
      tips.put(en.author(), new ChainTip(en.seq(), e.hash(), en.hlc()));
      order.add(e);
    }
  }

  Batch newBatch() {
    return new Batch();
  }

  /**
   * What happens to {@code e} (whose signature is {@code signatureValid}); accepted entries, and
   * waiting orphans they complete, join {@code batch}.
   */
  IngestOutcome admit(SignedEntry e, boolean signatureValid, Batch batch) throws KvException {
    Entry en = e.entry();
    NodeId author = en.author();
    long seq = en.seq();
    if (!en.storeId().equals(storeId)) {
      return rejected("entry belongs to store " + en.storeId() + ", not " + storeId);
    }
    if (proofs.refuses(author)) {
      return rejected("author " + author + " equivocated (proof kept); its entries are refused");
    }
    if (!settings.policy().allows(author)) {
      return rejected("author " + author + " is not authorized to write to store " + storeId);
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
      return orphan(e, batch, expected);
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
        LOG.info("store {}: dropping orphan {} of {}: {}", storeId, next, author, fault);
        break;
      }
      batch.accept(orphan.get());
    }
    return IngestOutcome.APPLIED;
  }

  private IngestOutcome orphan(SignedEntry e, Batch batch, long expected) {
    NodeId author = e.entry().author();
    long seq = e.entry().seq();
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

  /**
   * Keeps {@code proof} (checked by the caller) and refuses its author; false if already refused.
   */
  boolean recordProof(Equivocation proof) {
    NodeId author = proof.author();
    if (!proofs.record(proof)) {
      return false;
    }
    orphans.dropAuthor(author);
    LOG.warn(
        "store {}: author {} equivocated at seq {}; refusing it", storeId, author, proof.seq());
    return true;
  }

  private IngestOutcome equivocation(SignedEntry have, SignedEntry other) {
    Equivocation proof = new Equivocation(have, other);
    NodeId author = proof.author();
    recordProof(proof);
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
}
