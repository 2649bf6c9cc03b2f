package org.latticefs.kv.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.VerifiedCheckpoint.Mark;

/**
 * Reads a log file on open and decides what it holds: the intact chain, and whether what follows it
 * is a torn tail (safe to cut) or corruption (the open fails, nothing modified). See {@link
 * SigChainLog}, "Opening and crashes", for the rules. Reads only; {@link SigChainLog} cuts.
 */
final class LogRecovery {
  private static final int VERIFY_BATCH = 512;
  private static final int VERIFY_BYTES = 4 << 20;

  /**
   * The chain found: frame offsets by seq - 1 (valid below {@code count}), its tip (null if empty),
   * and {@code end}, where its last frame ends; bytes from {@code end} to the file's size are a
   * torn tail to cut.
   */
  record Chain(long[] offsets, long count, ChainTip tip, long end, long signaturesVerified) {}

  private final Path file;
  private final UUID storeId;
  private final NodeId author;
  private final FileWindow.ReadAt reader;
  private final long size;
  private final FileWindow window;
  private final Mark ack;
  private final String ackUnknownBecause;
  private long signaturesVerified;

  /**
   * @param ack the acknowledged prefix per the log's checkpoint, or null if there is none
   * @param ackUnknownBecause null if there is simply no checkpoint (a log written before they
   *     existed: a damaged last append is then taken for a torn tail), or why the checkpoint beside
   *     the log could not be used (then any damage is corruption: whether it was acknowledged is
   *     unknown)
   */
  LogRecovery(
      Path file,
      UUID storeId,
      NodeId author,
      FileWindow.ReadAt reader,
      long size,
      Mark ack,
      String ackUnknownBecause) {
    this.file = file;
    this.storeId = storeId;
    this.author = author;
    this.reader = reader;
    this.size = size;
    this.window = new FileWindow(reader, file.toString(), size);
    this.ack = ack;
    this.ackUnknownBecause = ackUnknownBecause;
  }

  /**
   * Reads and checks the whole file.
   *
   * @throws CorruptLogException on damage that is not a torn tail
   * @throws KvException if the file cannot be read
   */
  Chain run() throws IOException {
    checkHeader();
    long[] offsets = new long[1024];
    long count = 0;
    ChainTip tip = null;
    BlobRef prev = Entry.GENESIS;
    long pos = LogFrames.HEADER_BYTES;
    List<SignedEntry> pending = new ArrayList<>();
    List<Long> pendingOffsets = new ArrayList<>();
    long pendingBytes = 0;
    while (pos < size) {
      long expected = count + pending.size() + 1;
      int bodyLength = intactFrameAt(pos);
      if (bodyLength < 0) {
        checkTornTail(pos, expected);
        break;
      }
      int at = window.at(pos, LogFrames.FRAME_OVERHEAD + bodyLength);
      SignedEntry s;
      try {
        s = SignedEntry.fromWire(window.bytes(), at + LogFrames.FRAME_HEAD, bodyLength);
      } catch (MalformedEntryException e) {
        throw corrupt(pos, expected, "intact frame holds an invalid entry: " + e.getMessage());
      }
      Entry e = s.entry();
      if (!e.storeId().equals(storeId)) {
        throw corrupt(pos, expected, "entry of store " + e.storeId());
      }
      if (!e.author().equals(author)) {
        throw corrupt(pos, expected, "entry by " + e.author());
      }
      if (e.seq() != expected) {
        throw corrupt(
            pos, expected, "entry seq " + e.seq() + " where " + expected + " was expected");
      }
      if (!e.prev().equals(prev)) {
        throw corrupt(
            pos, expected, "entry " + e.seq() + " does not link to entry " + (expected - 1));
      }
      prev = s.hash();
      tip = new ChainTip(e.seq(), s.hash(), e.hlc());
      long next = pos + LogFrames.FRAME_OVERHEAD + bodyLength;
      if (ack != null && e.seq() <= ack.seq()) {
        checkAcknowledged(e.seq(), s.hash(), pos, next);
        offsets = ensure(offsets, count + 1);
        offsets[(int) count++] = pos;
        pos = next;
        continue;
      }
      pending.add(s);
      pendingOffsets.add(pos);
      pendingBytes += bodyLength;
      pos = next;
      if (pending.size() >= VERIFY_BATCH || pendingBytes >= VERIFY_BYTES) {
        verifyAll(pending, pendingOffsets);
        offsets = ensure(offsets, count + pending.size());
        for (Long o : pendingOffsets) {
          offsets[(int) count++] = o;
        }
        pending.clear();
        pendingOffsets.clear();
        pendingBytes = 0;
      }
    }
    verifyAll(pending, pendingOffsets);
    offsets = ensure(offsets, count + pending.size());
    for (Long o : pendingOffsets) {
      offsets[(int) count++] = o;
    }
    if (ack != null && count < ack.seq()) {
      throw corrupt(
          pos,
          count + 1,
          "the file ends after entry "
              + count
              + " but entries up to "
              + ack.seq()
              + " (its first "
              + ack.end()
              + " bytes) were acknowledged as durable");
    }
    return new Chain(offsets, count, tip, pos, signaturesVerified);
  }

  /** Entry {@code seq}, ending at {@code next}, must be the one the checkpoint acknowledged. */
  private void checkAcknowledged(long seq, BlobRef hash, long pos, long next)
      throws CorruptLogException {
    boolean matches =
        seq == ack.seq() ? hash.equals(ack.hash()) && next == ack.end() : next < ack.end();
    if (!matches) {
      throw new CorruptLogException(
          "log "
              + file
              + " does not match its checkpoint "
              + VerifiedCheckpoint.fileOf(file)
              + ": entry "
              + seq
              + " at offset "
              + pos
              + " differs from what was acknowledged (entries 1.."
              + ack.seq()
              + " ending at offset "
              + ack.end()
              + "); the log or its checkpoint was replaced or damaged; neither was modified",
          file,
          author,
          1,
          ack.seq());
    }
  }

  /** The frame at {@code pos} is damaged: cut it as a torn tail, or throw for corruption. */
  private void checkTornTail(long pos, long expectedSeq) throws IOException {
    if (ack != null && pos < ack.end()) {
      throw corrupt(
          pos,
          expectedSeq,
          "damaged frame for entry "
              + expectedSeq
              + ", inside the acknowledged part of the log (entries 1.."
              + ack.seq()
              + ", the first "
              + ack.end()
              + " bytes)");
    }
    long later = findLaterAppend(pos + 1, expectedSeq);
    if (later >= 0) {
      throw corrupt(
          pos,
          expectedSeq,
          "damaged frame for entry "
              + expectedSeq
              + ", followed by intact entries of a later append at offset "
              + later);
    }
    if (ack == null && ackUnknownBecause != null) {
      throw corrupt(
          pos,
          expectedSeq,
          "damaged frame for entry "
              + expectedSeq
              + " at the end of the log, and its checkpoint "
              + VerifiedCheckpoint.fileOf(file)
              + " is unusable ("
              + ackUnknownBecause
              + "), so whether that entry was acknowledged is unknown; move the checkpoint away"
              + " to accept cutting the tail (the cut bytes are kept beside the log)");
    }
  }

  /** The body length of the intact frame at {@code pos}, or -1 (short, bad magic or CRC). */
  private int intactFrameAt(long pos) throws IOException {
    if (size - pos < LogFrames.FRAME_OVERHEAD) {
      return -1;
    }
    int at = window.at(pos, LogFrames.FRAME_HEAD);
    if (!LogFrames.plausibleHead(window.bytes(), at)) {
      return -1;
    }
    int len = LogFrames.bodyLength(window.bytes(), at);
    if (size - pos < (long) LogFrames.FRAME_OVERHEAD + len) {
      return -1;
    }
    at = window.at(pos, LogFrames.FRAME_OVERHEAD + len);
    return LogFrames.checksumMatches(window.bytes(), at, len) ? len : -1;
  }

  /**
   * The offset of an intact frame at or after {@code from} written by an append that started after
   * entry {@code seq}, or -1.
   */
  private long findLaterAppend(long from, long seq) throws IOException {
    long p = from;
    while (size - p >= LogFrames.FRAME_OVERHEAD) {
      int n = (int) Math.min(FileWindow.READ_CHUNK, size - p);
      int at = window.at(p, n);
      int i = 0;
      for (; i + 4 <= n; i++) {
        if (LogFrames.getInt(window.bytes(), at + i) == LogFrames.FRAME_MAGIC) {
          long candidate = p + i;
          if (intactFrameAt(candidate) >= 0
              && LogFrames.appendSeq(window.bytes(), window.at(candidate, LogFrames.FRAME_HEAD))
                  > seq) {
            return candidate;
          }
          at = window.at(p, n);
        }
      }
      p += Math.max(1, i);
    }
    return -1;
  }

  private void verifyAll(List<SignedEntry> entries, List<Long> at) throws KvException {
    signaturesVerified += entries.size();
    int bad = SignedEntry.firstInvalidSignature(entries);
    if (bad >= 0) {
      long seq = entries.get(bad).entry().seq();
      throw corrupt(at.get(bad), seq, "entry " + seq + " has an invalid signature");
    }
  }

  private static long[] ensure(long[] a, long n) {
    return n <= a.length ? a : Arrays.copyOf(a, (int) Math.max(n, a.length * 2L));
  }

  private void checkHeader() throws IOException {
    if (size < LogFrames.HEADER_BYTES) {
      throw corrupt(0, 1, size + " bytes, shorter than its header");
    }
    byte[] b = new byte[LogFrames.HEADER_BYTES];
    reader.read(0, b, 0, LogFrames.HEADER_BYTES);
    String problem = LogFrames.headerProblem(b, storeId, author);
    if (problem != null) {
      throw corrupt(0, 1, "its header is damaged: " + problem);
    }
  }

  private CorruptLogException corrupt(long offset, long firstBadSeq, String what) {
    return new CorruptLogException(
        "log " + file + " is corrupt at offset " + offset + ": " + what + "; it was not modified",
        file,
        author,
        firstBadSeq,
        ack == null ? -1 : ack.seq());
  }
}
