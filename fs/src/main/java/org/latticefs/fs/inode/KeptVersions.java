package org.latticefs.fs.inode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores;

/**
 * File versions kept after they were replaced or deleted ({@code gc.keep_deleted}): a version stays
 * a root of the collector until {@code keep} has passed since the log entry that superseded it, so
 * an {@code rm -rf} that replicated everywhere can still be undone for a while. The versions come
 * from the stores' logs (the history keeps every value ever written).
 *
 * <p>Cost: each {@link #roots()} walk reads every live store's whole log once, to find the inode
 * keys changed within {@code keep} (kept in memory: proportional to the files changed in that
 * window), then each such key's history. With {@code keep} zero it reads nothing. Thread-safe.
 */
public final class KeptVersions {
  private static final String INODES = "/inodes/";

  private final Stores stores;
  private final Duration keep;
  private final InstantSource clock;

  /**
   * One version of a file, as {@code lattice-fs versions} lists it.
   *
   * @param inode the inode id (16 hex digits) that held it
   * @param writtenAtMillis when it was written (the entry's HLC, physical part)
   * @param author the node that wrote it (text form)
   * @param kind file, directory or symlink; null for a deletion
   * @param size its size in bytes
   * @param manifest its content's manifest (null: empty, inline or not a file)
   * @param supersededAtMillis when a later entry replaced or deleted it, or -1 if it is current
   * @param kept whether it is still kept (current, or superseded less than {@code keep} ago)
   */
  public record Version(
      String inode,
      long writtenAtMillis,
      String author,
      String kind,
      long size,
      BlobRef manifest,
      long supersededAtMillis,
      boolean kept) {}

  public KeptVersions(Stores stores, Duration keep, InstantSource clock) {
    this.stores = stores;
    this.keep = keep;
    this.clock = clock;
  }

  /** The superseded versions still kept, as roots (nothing when {@code keep} is zero). */
  public ManifestRoots roots() {
    return sink -> {
      if (keep.isZero()) {
        return;
      }
      long cutoff = clock.millis() - keep.toMillis();
      for (Stores.StoreInfo info : stores.listStores()) {
        Store store = stores.open(info.id());
        Set<String> recent = new LinkedHashSet<>();
        try (Stream<Store.HistoryEntry> h = store.history(null)) {
          h.filter(e -> e.hlc().physicalMillis() >= cutoff)
              .forEach(
                  e -> {
                    for (Op op : e.ops()) {
                      if (op.key().startsWith(INODES)) {
                        recent.add(op.key());
                      }
                    }
                  });
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
        for (String key : recent) {
          for (Version v : history(store, key, cutoff)) {
            if (v.kept() && v.manifest() != null) {
              sink.root(v.manifest());
            }
          }
        }
      }
    };
  }

  /**
   * Every version the file named {@code name} in folder {@code parent} of {@code store} has had,
   * under every inode that name has pointed to (a file deleted and created again has two), oldest
   * first per inode.
   */
  public List<Version> versions(UUID store, long parent, String name) throws IOException {
    Store s = stores.open(store);
    Set<String> inodes = new LinkedHashSet<>();
    try (Stream<Store.HistoryEntry> h = s.history(Keys.dirent(parent, name))) {
      h.forEach(
          e -> {
            for (Op op : e.ops()) {
              if (op instanceof Op.Put p && p.key().equals(Keys.dirent(parent, name))) {
                inodes.add(new String(p.value(), StandardCharsets.UTF_8));
              }
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    long cutoff = clock.millis() - keep.toMillis();
    List<Version> out = new ArrayList<>();
    for (String id : inodes) {
      out.addAll(history(s, INODES + id, cutoff));
    }
    return out;
  }

  /** The versions of one inode key, oldest first; kept if current or superseded after cutoff. */
  private static List<Version> history(Store store, String key, long cutoff) throws IOException {
    List<Version> out = new ArrayList<>();
    String id = key.substring(INODES.length());
    try (Stream<Store.HistoryEntry> h = store.history(key)) {
      for (Store.HistoryEntry e : (Iterable<Store.HistoryEntry>) h::iterator) {
        for (Op op : e.ops()) {
          if (!op.key().equals(key)) {
            continue;
          }
          long at = e.hlc().physicalMillis();
          if (!out.isEmpty() && out.get(out.size() - 1).supersededAtMillis() < 0) {
            Version prev = out.remove(out.size() - 1);
            out.add(
                new Version(
                    prev.inode(),
                    prev.writtenAtMillis(),
                    prev.author(),
                    prev.kind(),
                    prev.size(),
                    prev.manifest(),
                    at,
                    prev.kind() != null && at >= cutoff));
          }
          if (op instanceof Op.Put p) {
            Inode inode;
            try {
              inode = Inode.decode(p.value());
            } catch (CorruptInodeException ex) {
              throw new IOException("inode " + key + " has an unreadable version", ex);
            }
            out.add(
                new Version(
                    id,
                    at,
                    e.author().toString(),
                    inode.kind().name().toLowerCase(java.util.Locale.ROOT),
                    inode.size(),
                    inode.manifest(),
                    -1,
                    true));
          } else {
            out.add(new Version(id, at, e.author().toString(), null, 0, null, -1, false));
          }
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return out;
  }
}
