package org.latticefs.kv.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.latticefs.cas.io.AtomicFile;

/**
 * Where a log keeps what it takes out of use: bytes cut from its end and checkpoints it could not
 * use go beside the log under a name that says so, never deleted (a person or a later repair may
 * still want them).
 */
final class DamagedFiles {
  private DamagedFiles() {}

  /** {@code <file><suffix>}, or with {@code -1}, {@code -2}... appended, whichever is free. */
  static Path freeName(Path file, String suffix) {
    Path candidate = file.resolveSibling(file.getFileName() + suffix);
    for (int n = 1; Files.exists(candidate); n++) {
      candidate = file.resolveSibling(file.getFileName() + suffix + "-" + n);
    }
    return candidate;
  }

  /**
   * Saves the {@code length} bytes of {@code log} at {@code offset}, about to be cut off, beside it
   * (durably, before the cut); returns where.
   */
  static Path saveCut(Path log, long offset, long length, FileWindow.ReadAt reader)
      throws IOException {
    Path target = freeName(log, ".cut-at-" + offset);
    AtomicFile.write(
        target,
        ch -> {
          byte[] buf = new byte[(int) Math.min(length, FileWindow.READ_CHUNK)];
          for (long done = 0; done < length; ) {
            int n = (int) Math.min(buf.length, length - done);
            reader.read(offset + done, buf, 0, n);
            ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
            while (b.hasRemaining()) {
              ch.write(b);
            }
            done += n;
          }
        });
    return target;
  }
}
