package org.latticefs.kv.log;

import java.nio.file.Path;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;

/**
 * A log file holds damage that is not a torn tail: bytes of acknowledged entries, or frames
 * followed by later intact appends, that cannot be read back. The file was not modified.
 *
 * <p>{@link #firstBadSeq()} is the first entry that cannot be read; entries before it are intact.
 * {@link #lastAckSeq()} is the last entry the log had acknowledged, if its checkpoint said so
 * ({@code -1} if unknown): {@code firstBadSeq..lastAckSeq} is what a peer would have to supply.
 */
public class CorruptLogException extends KvException {
  private final transient Path file;
  private final transient NodeId author;
  private final long firstBadSeq;
  private final long lastAckSeq;

  public CorruptLogException(
      String message, Path file, NodeId author, long firstBadSeq, long lastAckSeq) {
    super(message);
    this.file = file;
    this.author = author;
    this.firstBadSeq = firstBadSeq;
    this.lastAckSeq = lastAckSeq;
  }

  /** The damaged file (the log, or its checkpoint when that is what does not match). */
  public Path file() {
    return file;
  }

  /** The author whose chain the log holds. */
  public NodeId author() {
    return author;
  }

  /** The first entry that cannot be read back (entries before it are intact). */
  public long firstBadSeq() {
    return firstBadSeq;
  }

  /** The last acknowledged entry according to the log's checkpoint, or -1 if unknown. */
  public long lastAckSeq() {
    return lastAckSeq;
  }
}
