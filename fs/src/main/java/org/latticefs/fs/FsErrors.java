package org.latticefs.fs;

import java.io.IOException;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.NoSpaceLeftException;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.kv.KeyBytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the failure of a filesystem operation to the errno its caller sees, logging what is not an
 * expected answer (names in paths and messages shown with {@link KeyBytes#display}: escapes as
 * {@code \xNN}, never mangled). Every FUSE binding's error boundary uses it, so all answer alike.
 *
 * <ul>
 *   <li>{@link FsException}: its errno (logged at debug, or as an error when it is {@code EIO});
 *   <li>a full disk or quota ({@link NoSpaceLeftException}, or an {@code IOException} saying so, as
 *       the JDK reports {@code ENOSPC} and {@code EDQUOT}): {@code ENOSPC};
 *   <li>an {@code IOException} saying "File too large" (a file past the disk's size limit): {@code
 *       EFBIG};
 *   <li>content that cannot be read ({@link CorruptBlobException}, {@link BlobNotFoundException},
 *       {@link MalformedManifestException}: no good copy reachable): {@code EIO}, never data;
 *   <li>anything else: logged with its stack trace, {@code EIO}.
 * </ul>
 */
public final class FsErrors {
  private static final Logger LOG = LoggerFactory.getLogger(FsErrors.class);

  private FsErrors() {}

  /**
   * The errno for {@code e}, thrown by operation {@code op} on {@code path} (both only for the
   * log). Never throws.
   */
  public static Errno errno(String op, String path, Throwable e) {
    try {
      return classify(op, path, e);
    } catch (Throwable logFailure) {
      return Errno.EIO;
    }
  }

  private static Errno classify(String op, String path, Throwable e) {
    if (e instanceof FsException f) {
      if (f.errno() == Errno.EIO) {
        LOG.error("{} {}: {}", op, shown(path), message(f), f);
      } else if (LOG.isDebugEnabled()) {
        LOG.debug("{} {}: {}", op, shown(path), message(f));
      }
      return f.errno();
    }
    if (isNoSpace(e)) {
      LOG.warn("{} {}: no space left: {}", op, shown(path), message(e));
      return Errno.ENOSPC;
    }
    if (isTooLarge(e)) {
      LOG.warn("{} {}: file too large: {}", op, path, e.getMessage());
      return Errno.EFBIG;
    }
    if (e instanceof CorruptBlobException
        || e instanceof BlobNotFoundException
        || e instanceof MalformedManifestException) {
      LOG.error("{} {}: content unavailable: {}", op, shown(path), message(e));
      return Errno.EIO;
    }
    if (e instanceof IOException) {
      LOG.error("{} {} failed", op, shown(path), e);
      return Errno.EIO;
    }
    LOG.error("{} {} failed unexpectedly", op, shown(path), e);
    return Errno.EIO;
  }

  /** A path as {@link KeyBytes#display} shows it (only computed when a line is logged). */
  private static String shown(String path) {
    return path == null ? null : KeyBytes.display(path);
  }

  /** A failure's message with the names in it shown as {@link KeyBytes#display} shows them. */
  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null ? null : KeyBytes.display(m);
  }

  /**
   * Whether {@code e} or a cause of it is the disk's EFBIG (a staging file past its size limit).
   */
  private static boolean isTooLarge(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && m.contains("File too large")) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code e} or a cause of it says the disk or the quota is full. */
  public static boolean isNoSpace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof NoSpaceLeftException) {
        return true;
      }
      String m = t.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("Disk quota"))) {
        return true;
      }
    }
    return false;
  }
}
