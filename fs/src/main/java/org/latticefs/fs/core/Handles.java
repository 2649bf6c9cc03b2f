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
  private final Table<Handle> files = new Table<>("handle");
  private final Table<DirListing> dirs = new Table<>("directory handle");

  long open(OpenFile of, boolean write) {
    return files.add(new Handle(of, write));
  }

  /** The file handle {@code fh}; EBADF if there is none. */
  Handle file(long fh) throws FsException {
    return files.get(fh);
  }

  /** Removes and returns file handle {@code fh}; EBADF if there is none. */
  Handle remove(long fh) throws FsException {
    return files.remove(fh);
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
    return dirs.add(listing);
  }

  /** The directory handle {@code fh}; EBADF if there is none. */
  DirListing dir(long fh) throws FsException {
    return dirs.get(fh);
  }

  void closeDir(long fh) {
    dirs.map.remove(fh);
  }

  /** Forgets every file handle (at close). */
  void clear() {
    files.map.clear();
  }

  /** One table: numbers from the shared counter to what they name. */
  private final class Table<T> {
    final ConcurrentHashMap<Long, T> map = new ConcurrentHashMap<>();
    private final String what;

    Table(String what) {
      this.what = what;
    }

    long add(T value) {
      long fh = next.getAndIncrement();
      map.put(fh, value);
      return fh;
    }

    T get(long fh) throws FsException {
      return found(fh, map.get(fh));
    }

    T remove(long fh) throws FsException {
      return found(fh, map.remove(fh));
    }

    private T found(long fh, T value) throws FsException {
      if (value == null) {
        throw new FsException(Errno.EBADF, "no " + what + " " + fh);
      }
      return value;
    }
  }
}
