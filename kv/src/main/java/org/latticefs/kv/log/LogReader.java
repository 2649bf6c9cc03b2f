package org.latticefs.kv.log;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;

/**
 * The read side of one {@link SigChainLog} file: positional reads through one shared handle, and
 * frames read back and checked (checksum, decoding, seq, store, author, link to the one before;
 * signatures were verified on open and are not again). Thread-safe: each read holds the handle
 * briefly. After {@link #close}, reads throw {@link KvException}.
 */
final class LogReader implements AutoCloseable {
  private final Path file;
  private final UUID storeId;
  private final NodeId author;
  private final RandomAccessFile handle;
  private boolean closed;

  LogReader(Path file, UUID storeId, NodeId author, RandomAccessFile handle) {
    this.file = file;
    this.storeId = storeId;
    this.author = author;
    this.handle = handle;
  }

  /** The file's current length. */
  synchronized long length() throws IOException {
    ensureOpen();
    return handle.length();
  }

  /** Reads exactly {@code len} bytes at {@code pos} into {@code dst[off..]}. */
  synchronized void readAt(long pos, byte[] dst, int off, int len) throws IOException {
    ensureOpen();
    handle.seek(pos);
    try {
      handle.readFully(dst, off, len);
    } catch (EOFException e) {
      throw new KvException("log " + file + ": unexpected end of file reading at " + pos, e);
    }
  }

  /** Entry {@code seq}, whose frame starts at {@code offset}. */
  SignedEntry entryAt(long offset, long seq) throws KvException {
    try {
      byte[] head = new byte[LogFrames.FRAME_HEAD];
      readAt(offset, head, 0, head.length);
      if (!LogFrames.plausibleHead(head, 0)) {
        throw new KvException("log " + file + ": bad frame header at offset " + offset);
      }
      byte[] frame = new byte[LogFrames.FRAME_OVERHEAD + LogFrames.bodyLength(head, 0)];
      readAt(offset, frame, 0, frame.length);
      return checkFrame(frame, 0, offset, seq);
    } catch (IOException e) {
      throw wrap(e);
    }
  }

  /**
   * Entries {@code firstSeq..lastSeq}, the first starting at {@code pos}, read sequentially up to
   * byte {@code end} with at most {@link FileWindow#READ_CHUNK} buffered. Read failures surface as
   * {@link UncheckedIOException} wrapping a {@link KvException}.
   */
  Iterator<SignedEntry> entries(long pos, long end, long firstSeq, long lastSeq) {
    return new Sequential(pos, end, firstSeq, lastSeq);
  }

  private SignedEntry checkFrame(byte[] frame, int off, long fileOffset, long seq)
      throws KvException {
    int len = LogFrames.bodyLength(frame, off);
    if (!LogFrames.checksumMatches(frame, off, len)) {
      throw new KvException(
          "log " + file + ": checksum mismatch reading entry " + seq + " at offset " + fileOffset);
    }
    SignedEntry s;
    try {
      s = SignedEntry.fromWire(frame, off + LogFrames.FRAME_HEAD, len);
    } catch (MalformedEntryException e) {
      throw new KvException(
          "log " + file + ": undecodable entry " + seq + " at offset " + fileOffset, e);
    }
    Entry e = s.entry();
    if (e.seq() != seq || !e.storeId().equals(storeId) || !e.author().equals(author)) {
      throw new KvException(
          "log " + file + ": entry at offset " + fileOffset + " is not entry " + seq);
    }
    return s;
  }

  private KvException wrap(IOException e) {
    if (e instanceof KvException k) {
      return k;
    }
    return new KvException("reading log " + file + " failed: " + e, e);
  }

  private void ensureOpen() throws KvException {
    if (closed) {
      throw new KvException("log " + file + " is closed");
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      handle.close();
    }
  }

  /** Sequential, buffered reading of frames. */
  private final class Sequential implements Iterator<SignedEntry> {
    private final FileWindow window;
    private long pos;
    private long nextSeq;
    private final long lastSeq;
    private BlobRef prevHash;

    Sequential(long pos, long end, long firstSeq, long lastSeq) {
      this.window = new FileWindow(LogReader.this::readAt, file.toString(), end);
      this.pos = pos;
      this.nextSeq = firstSeq;
      this.lastSeq = lastSeq;
    }

    @Override
    public boolean hasNext() {
      return nextSeq <= lastSeq;
    }

    @Override
    public SignedEntry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      try {
        int at = window.at(pos, LogFrames.FRAME_HEAD);
        if (!LogFrames.plausibleHead(window.bytes(), at)) {
          throw new KvException("log " + file + ": bad frame header at offset " + pos);
        }
        int len = LogFrames.bodyLength(window.bytes(), at);
        at = window.at(pos, LogFrames.FRAME_OVERHEAD + len);
        SignedEntry s = checkFrame(window.bytes(), at, pos, nextSeq);
        if (prevHash != null && !s.entry().prev().equals(prevHash)) {
          throw new KvException(
              "log " + file + ": entry " + nextSeq + " does not link to the entry before it");
        }
        prevHash = s.hash();
        pos += LogFrames.FRAME_OVERHEAD + len;
        nextSeq++;
        return s;
      } catch (IOException e) {
        throw new UncheckedIOException(wrap(e));
      }
    }
  }
}
