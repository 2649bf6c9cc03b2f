package org.latticefs.kv.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.log.SigChainLog;
import org.latticefs.kv.log.SignedEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds one author's log of a store kv refused as damaged from that author's chain as a peer
 * holds it. The chain is taken from its first entry, in batches ({@link #add}): every entry must
 * belong to this store and author, carry a valid signature and continue the chain (seq and hash),
 * or the batch is refused. The new log grows beside the damaged one ({@code <log>.healing}); only
 * {@link StoreCatalog#finishHealing}, once the chain reaches past the damaged range ({@link
 * #complete}), puts it in place: the damaged log is kept as {@code <log>.damaged-<millis>}, then
 * the new checkpoint and the new log are moved over the old ones (a crash between the two moves
 * leaves a checkpoint that does not match its log, which is refused as damaged again, never read as
 * a shorter chain). {@link #close} before that deletes the new files and changes nothing.
 *
 * <p>Not thread-safe: one caller feeds one healing.
 */
public final class LogHealing implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogHealing.class);

  private final UUID storeId;
  private final StoreDamage.DamagedRange range;
  private final Path logFile;
  private final Path newFile;
  private final SigChainLog log;
  private boolean done;

  private LogHealing(
      UUID storeId, StoreDamage.DamagedRange range, Path logFile, Path newFile, SigChainLog log) {
    this.storeId = storeId;
    this.range = range;
    this.logFile = logFile;
    this.newFile = newFile;
    this.log = log;
  }

  /**
   * Starts a new log for {@code range}'s author beside {@code logFile} (a stale one is removed).
   */
  static LogHealing begin(UUID storeId, StoreDamage.DamagedRange range, Path logFile)
      throws KvException {
    Path newFile = logFile.resolveSibling(logFile.getFileName() + ".healing");
    try {
      Files.deleteIfExists(newFile);
      Files.deleteIfExists(SigChainLog.verifiedCheckpointOf(newFile));
    } catch (IOException e) {
      throw new KvException("cannot start healing " + logFile + ": " + e.getMessage(), e);
    }
    return new LogHealing(
        storeId, range, logFile, newFile, SigChainLog.open(newFile, storeId, range.author()));
  }

  public UUID storeId() {
    return storeId;
  }

  /** The author whose chain is re-fetched. */
  public NodeId author() {
    return range.author();
  }

  /** The seq of the last entry taken so far (0: none); the next batch starts after it. */
  public long seq() {
    return log.tip().map(t -> t.seq()).orElse(0L);
  }

  /**
   * Appends the next entries of the chain.
   *
   * @throws KvException if an entry is of another store or author, its signature is invalid, or it
   *     does not continue the chain (nothing of the batch is taken)
   */
  public void add(List<SignedEntry> batch) throws KvException {
    for (SignedEntry e : batch) {
      if (!e.entry().storeId().equals(storeId) || !e.entry().author().equals(range.author())) {
        throw new KvException(
            "entry " + e.hash() + " is not of " + range.author() + " in this store");
      }
    }
    int bad = SignedEntry.firstInvalidSignature(batch);
    if (bad >= 0) {
      throw new KvException("entry " + batch.get(bad).entry().seq() + " has an invalid signature");
    }
    log.append(batch, false);
  }

  /** Whether the chain now holds every entry the damaged log had acknowledged (as far as known). */
  public boolean complete() {
    long need =
        range.toSeq() == StoreDamage.DamagedRange.UNKNOWN_END ? range.fromSeq() : range.toSeq();
    return seq() >= need;
  }

  /** Makes the new log durable and moves it over the damaged one (see the class comment). */
  void install() throws KvException {
    if (!complete()) {
      throw new KvException(
          "healing " + logFile + " has entries up to " + seq() + ", short of " + range);
    }
    log.sync();
    log.close();
    done = true;
    try {
      if (Files.exists(logFile)) {
        Path aside =
            logFile.resolveSibling(
                logFile.getFileName() + ".damaged-" + System.currentTimeMillis());
        Files.copy(logFile, aside, StandardCopyOption.COPY_ATTRIBUTES);
        AtomicFile.fsyncDirectory(aside.getParent());
      }
      Files.move(
          SigChainLog.verifiedCheckpointOf(newFile),
          SigChainLog.verifiedCheckpointOf(logFile),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          newFile, logFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      AtomicFile.fsyncDirectory(logFile.getParent());
    } catch (IOException e) {
      throw new KvException("cannot put the healed log in place of " + logFile + ": " + e, e);
    }
    LOG.warn("healed {}: {} entries of {} re-fetched and verified", logFile, seq(), author());
  }

  /** Abandons the healing unless it was installed: the new files are deleted. */
  @Override
  public void close() {
    if (done) {
      return;
    }
    done = true;
    try {
      log.close();
      Files.deleteIfExists(newFile);
      Files.deleteIfExists(SigChainLog.verifiedCheckpointOf(newFile));
    } catch (IOException e) {
      LOG.warn("abandoning the healing of {}: {}", logFile, e.toString());
    }
  }
}
