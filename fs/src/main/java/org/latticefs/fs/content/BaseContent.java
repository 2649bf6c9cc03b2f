package org.latticefs.fs.content;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;

/**
 * Reads the bytes of the stored version an open file's writes are staged over: its inline bytes,
 * its manifest's chunks through one {@link ContentReader} shared by every read (opened on the first
 * one, so its streams and readahead serve all of the file's readers), or nothing for an empty
 * version. Content that cannot be read (a corrupt or missing blob, an inconsistent manifest) is EIO
 * naming the file and the blob, never data. Thread-safe; holds only memory.
 */
final class BaseContent {
  private final Version version;
  private final ContentReaders readers;
  private final long readahead;
  private final String what;
  private final Object readerLock = new Object();
  private volatile ContentReader reader;

  /**
   * @param readahead the most a sequential stream of this version fetches ahead
   * @param what the file, for messages ("inode 00ab…")
   */
  BaseContent(Version version, ContentReaders readers, long readahead, String what) {
    this.version = version;
    this.readers = readers;
    this.readahead = readahead;
    this.what = what;
  }

  Version version() {
    return version;
  }

  /**
   * Puts exactly {@code n} bytes of the version, from {@code pos}, into {@code dst}; bytes past a
   * version with no content read as zeros.
   *
   * @throws FsException EIO if the stored content ends before them
   */
  void read(long pos, ByteBuffer dst, int n) throws IOException {
    byte[] inline = version.inline();
    if (inline != null) {
      dst.put(inline, (int) pos, n);
      return;
    }
    if (version.manifest() == null) {
      Zeros.fill(dst, n);
      return;
    }
    int lim = dst.limit();
    dst.limit(dst.position() + n);
    try {
      ContentReader r = reader();
      long q = pos;
      while (dst.hasRemaining()) {
        int got = r.read(q, dst);
        if (got <= 0) {
          throw new FsException(Errno.EIO, "stored content of " + what + " ends early at " + q);
        }
        q += got;
      }
    } catch (CorruptBlobException | BlobNotFoundException | MalformedManifestException e) {
      // Never data: EIO, saying which file and which blob.
      throw new FsException(Errno.EIO, "content of " + what + ": " + e.getMessage(), e);
    } finally {
      dst.limit(lim);
    }
  }

  private ContentReader reader() throws IOException {
    ContentReader r = reader;
    if (r == null) {
      synchronized (readerLock) {
        r = reader;
        if (r == null) {
          r = readers.open(version.manifest(), readahead);
          if (r.size() != version.size()) {
            throw new MalformedManifestException(
                "the inode says "
                    + version.size()
                    + " bytes but its manifest "
                    + version.manifest()
                    + " holds "
                    + r.size());
          }
          reader = r;
        }
      }
    }
    return r;
  }
}
