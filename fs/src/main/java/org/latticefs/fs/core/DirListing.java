package org.latticefs.fs.core;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.latticefs.fs.DirEntry;
import org.latticefs.fs.FsException;
import org.latticefs.fs.core.ConflictCopies.ConflictCopy;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open directory being listed, page by page, in bounded memory however large the directory:
 * {@code .} and {@code ..}, files created here and not committed yet, then the committed names with
 * their conflict copies, read from kv {@value #PAGE} at a time after the last key listed (for the
 * mount root, the stores).
 *
 * <h2>Offsets</h2>
 *
 * An entry's offset is its position in the listing, so offsets stay valid for the handle and a
 * directory changing while it is read never makes an entry repeat: names are read in key order
 * after the last key listed, and a create committed while the listing runs (listed first, as not
 * committed) is skipped among the committed names. The last {@value #WINDOW} entries are kept, so
 * the kernel re-reading from where its buffer filled up costs nothing; a read from before them (a
 * {@code seekdir} back, {@code rewinddir}) lists the directory again from its start.
 *
 * <p>A dirent whose value is corrupt is listed by its name (looking it up is EIO) and logged.
 * Thread safe (one listing at a time).
 */
final class DirListing {
  private static final Logger LOG = LoggerFactory.getLogger(DirListing.class);

  /** Dirents read from kv at once. */
  static final int PAGE = 256;

  /** Entries kept for re-reads. */
  static final int WINDOW = 1024;

  private final StoreRoot root;
  private final ConflictCopies conflicts;

  /** The store, or null for the mount root. */
  private final StoreContext ctx;

  private final long id;
  private final DirEntry[] window = new DirEntry[WINDOW];
  private Names names;

  /** Entries listed so far: the offset of the next one. */
  private long listed;

  DirListing(StoreRoot root, ConflictCopies conflicts, StoreContext ctx, long id) {
    this.root = root;
    this.conflicts = conflicts;
    this.ctx = ctx;
    this.id = id;
    this.names = new Names();
  }

  /**
   * Up to {@code max} entries from {@code offset} (0 for the start; then an entry's {@code
   * nextOffset}).
   */
  synchronized List<DirEntry> read(long offset, int max) throws IOException {
    long kept = Math.min(listed, WINDOW);
    if (offset < listed - kept || offset > listed) {
      // Before what is kept (or past what was listed): list again from the start.
      names = new Names();
      listed = 0;
      while (listed < offset && next() != null) {
        // skipped
      }
    }
    List<DirEntry> out = new ArrayList<>(Math.min(max, 256));
    for (long i = offset; i < listed && out.size() < max; i++) {
      out.add(window[(int) (i % WINDOW)]);
    }
    while (out.size() < max) {
      DirEntry e = next();
      if (e == null) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  /** How many names this handle holds now: the window and the page being listed (for tests). */
  synchronized int held() {
    return (int) Math.min(listed, WINDOW) + names.queue.size();
  }

  /** The next entry of the listing (kept in the window), or null at its end. */
  private DirEntry next() throws IOException {
    String name = names.next();
    if (name == null) {
      return null;
    }
    DirEntry e = new DirEntry(name, listed + 1);
    window[(int) (listed % WINDOW)] = e;
    listed++;
    return e;
  }

  /** The names of the directory in listing order, produced a kv page at a time. */
  private final class Names {
    private final ArrayDeque<String> queue = new ArrayDeque<>(List.of(".", ".."));

    /** Creates not committed when the listing started (listed first, skipped in the log). */
    private Set<String> unflushed;

    private String after;
    private boolean done;

    String next() throws IOException {
      while (queue.isEmpty()) {
        if (done || !fill()) {
          return null;
        }
      }
      return queue.poll();
    }

    /** Queues the next names; false when there are no more. */
    private boolean fill() throws IOException {
      if (ctx == null) {
        for (Stores.StoreInfo s : root.list()) {
          queue.add(s.name());
        }
        done = true;
        return !queue.isEmpty();
      }
      String prefix = Keys.direntPrefix(id);
      if (unflushed == null) {
        unflushed = new TreeSet<>();
        for (OpenFile of : ctx.pending.values()) {
          synchronized (of) {
            if (of.pending && of.pendingParent == id) {
              unflushed.add(of.pendingName);
            }
          }
        }
        queue.addAll(unflushed);
        if (!queue.isEmpty()) {
          return true;
        }
      }
      List<KeyValue> page = ctx.store.list(prefix, after, PAGE);
      if (page.size() < PAGE) {
        done = true;
      }
      for (KeyValue kv : page) {
        String name = kv.key().substring(prefix.length());
        after = kv.key();
        if (unflushed.contains(name)) {
          continue; // committed while this listing ran: already listed
        }
        queue.add(name);
        long child;
        try {
          child = Inodes.parseChild(ctx, kv.key(), kv.value());
        } catch (FsException e) {
          LOG.error("listing {}: {}", name, e.getMessage());
          continue;
        }
        for (ConflictCopy c : conflicts.of(ctx, id, name, child)) {
          queue.add(c.name());
        }
      }
      return !queue.isEmpty() || !done;
    }
  }
}
