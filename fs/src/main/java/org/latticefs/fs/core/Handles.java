package org.latticefs.fs.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;

/**
 * The handle tables: the numbers the kernel holds for open files and directories, each naming an
 * {@link OpenFile} (with the access it was opened for) or a {@link DirListing}. Numbers are never
 * reused while the filesystem runs. Thread-safe.
 */
final class Handles {
  /** An open file handle: the shared open state, and whether this handle may write. */
  record Handle(OpenFile file, boolean write) {}

  private final AtomicLong next = new AtomicLong(1);
  private final ConcurrentHashMap<Long, Handle> files = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, DirListing> dirs = new ConcurrentHashMap<>();

  long open(OpenFile of, boolean write) {
    long fh = next.getAndIncrement();
    files.put(fh, new Handle(of, write));
    return fh;
  }

  /** The file handle {@code fh}; EBADF if there is none. */
  Handle file(long fh) throws FsException {
    Handle h = files.get(fh);
    if (h == null) {
      throw new FsException(Errno.EBADF, "no handle " + fh);
    }
    return h;
  }

  /** Removes and returns file handle {@code fh}; EBADF if there is none. */
  Handle remove(long fh) throws FsException {
    Handle h = files.remove(fh);
    if (h == null) {
      throw new FsException(Errno.EBADF, "no handle " + fh);
    }
    return h;
  }

  /** Like {@link #file}, for a handle that must be open for writing (EBADF otherwise). */
  Handle writable(long fh) throws FsException {
    Handle h = file(fh);
    if (!h.write()) {
      throw new FsException(Errno.EBADF, "handle " + fh + " is not open for writing");
    }
    return h;
  }

  long openDir(DirListing listing) {
    long fh = next.getAndIncrement();
    dirs.put(fh, listing);
    return fh;
  }

  /** The directory handle {@code fh}; EBADF if there is none. */
  DirListing dir(long fh) throws FsException {
    DirListing d = dirs.get(fh);
    if (d == null) {
      throw new FsException(Errno.EBADF, "no directory handle " + fh);
    }
    return d;
  }

  void closeDir(long fh) {
    dirs.remove(fh);
  }

  /** Forgets every file handle (at close). */
  void clear() {
    files.clear();
  }
}
