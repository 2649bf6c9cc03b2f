package org.latticefs.kv.log;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.VerifiedCheckpoint.Mark;

/**
 * Creates a {@link SigChainLog} file that does not exist: whole (its header and an empty
 * checkpoint, or nothing), and never over the evidence of a lost one (a checkpoint that still says
 * entries were acknowledged).
 */
final class NewLogFile {
  private NewLogFile() {}

  /**
   * Creates the log of {@code author} in store {@code storeId} at {@code file}.
   *
   * @throws CorruptLogException if its checkpoint says (or may say) that entries were acknowledged
   */
  static void create(Path file, UUID storeId, NodeId author) throws IOException {
    refuseIfAcknowledged(file, storeId, author);
    createWhole(file, storeId, author);
  }

  /**
   * A missing log is created empty, unless its checkpoint is still there and says (or may say) that
   * entries were acknowledged: then they are lost, which is damage, not a new log.
   */
  private static void refuseIfAcknowledged(Path file, UUID storeId, NodeId author)
      throws CorruptLogException {
    VerifiedCheckpoint.Reading r = VerifiedCheckpoint.read(file, storeId, author);
    String what = null;
    long acknowledged = -1;
    if (r instanceof VerifiedCheckpoint.Found f && f.mark().seq() > 0) {
      acknowledged = f.mark().seq();
      what = "says entries 1.." + acknowledged + " were acknowledged";
    } else if (r instanceof VerifiedCheckpoint.Unusable u) {
      what = "is unusable (" + u.why() + "), so whether entries were acknowledged is unknown";
    }
    if (what != null) {
      throw new CorruptLogException(
          "log "
              + file
              + " is missing, but its checkpoint "
              + VerifiedCheckpoint.fileOf(file)
              + " "
              + what
              + "; restore the log, or move the checkpoint away to start this chain afresh;"
              + " nothing was created",
          file,
          author,
          1,
          acknowledged);
    }
  }

  /**
   * Creates the file whole (header only) and its checkpoint (nothing acknowledged yet). The header
   * is written durably beside it ({@link AtomicFile}) and linked into place, which, unlike a
   * rename, never replaces a log another opener created first (its header is checked on open).
   */
  private static void createWhole(Path file, UUID storeId, NodeId author) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp =
        dir.resolve(
            "."
                + file.getFileName()
                + ".new-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    AtomicFile.write(tmp, LogFrames.header(storeId, author));
    try {
      Files.createLink(file, tmp);
    } catch (FileAlreadyExistsException raced) {
      return;
    } finally {
      Files.deleteIfExists(tmp);
    }
    AtomicFile.fsyncDirectory(dir);
    VerifiedCheckpoint.create(file, storeId, author, Mark.empty()).close();
  }
}
