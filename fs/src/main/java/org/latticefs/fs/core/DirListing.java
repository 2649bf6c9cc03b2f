package org.latticefs.fs.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.latticefs.fs.DirEntry;
import org.latticefs.fs.core.ConflictCopies.ConflictCopy;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.Stores;

/**
 * One open directory being listed, page by page: {@code .} and {@code ..}, files created here and
 * not committed yet, then the committed names with their conflict copies (for the mount root, the
 * stores). Offsets are positions in what was listed so far, so they stay valid for the handle: a
 * directory changing while it is read never makes an entry repeat. Thread-safe (one listing at a
 * time).
 */
final class DirListing {
  private static final int PAGE = 256;

  private final StoreRoot root;
  private final ConflictCopies conflicts;

  /** The store, or null for the mount root. */
  private final StoreContext ctx;

  private final long id;
  private final List<String> names = new ArrayList<>();

  /** Creates not committed when the listing started (listed first, skipped in the log). */
  private Set<String> unflushed;

  private String after;
  private boolean done;

  DirListing(StoreRoot root, ConflictCopies conflicts, StoreContext ctx, long id) {
    this.root = root;
    this.conflicts = conflicts;
    this.ctx = ctx;
    this.id = id;
    names.add(".");
    names.add("..");
  }

  /**
   * Up to {@code max} entries from {@code offset} (0 for the start; then an entry's {@code
   * nextOffset}).
   */
  synchronized List<DirEntry> read(long offset, int max) throws IOException {
    List<DirEntry> out = new ArrayList<>();
    long i = offset;
    while (out.size() < max) {
      if (i >= names.size() && !fill()) {
        break;
      }
      if (i >= names.size()) {
        continue;
      }
      out.add(new DirEntry(names.get((int) i), i + 1));
      i++;
    }
    return out;
  }

  /** Fetches the next page of names; false when there are no more. */
  private boolean fill() throws IOException {
    if (done) {
      return false;
    }
    if (ctx == null) {
      for (Stores.StoreInfo s : root.list()) {
        names.add(s.name());
      }
      done = true;
      return true;
    }
    String prefix = Keys.direntPrefix(id);
    if (unflushed == null) {
      unflushed = new TreeSet<>();
      for (OpenFile of : ctx.pending.values()) {
        synchronized (of) {
          if (of.pending && Keys.direntPrefix(of.pendingParent).equals(prefix)) {
            unflushed.add(of.pendingName);
          }
        }
      }
      names.addAll(unflushed);
    }
    List<KeyValue> page = ctx.store.list(prefix, after, PAGE);
    if (page.isEmpty()) {
      done = true;
      return false;
    }
    for (KeyValue kv : page) {
      String name = kv.key().substring(prefix.length());
      after = kv.key();
      if (unflushed.contains(name)) {
        continue; // committed while this listing ran: already listed
      }
      names.add(name);
      long child = Inodes.parseChild(kv.value());
      for (ConflictCopy c : conflicts.of(ctx, id, name, child)) {
        names.add(c.name());
      }
    }
    if (page.size() < PAGE) {
      done = true;
    }
    return true;
  }
}
