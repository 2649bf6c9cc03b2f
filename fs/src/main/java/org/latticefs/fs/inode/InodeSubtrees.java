package org.latticefs.fs.inode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.kv.Head;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores;

/**
 * The manifests below one inode of a store, for pins of files and folders: a file's every
 * concurrent head; a folder's files at any depth, through the names its folders list now. Also
 * tells a watcher when a store's tree changes, so a folder pin learns of files added under it, and
 * names every file of every store by path ({@link #forEachFile}, for {@code fsck}).
 *
 * <p>Reads one snapshot of the store per walk (never blocks its writer). Memory: the folders still
 * to visit and the ids of those visited (a guard against a damaged tree that loops). A store that
 * cannot be opened, or an inode that cannot be decoded, fails the walk. Thread-safe.
 */
public final class InodeSubtrees {
  private static final int PAGE = 512;

  private final Stores stores;

  public InodeSubtrees(Stores stores) {
    this.stores = stores;
  }

  /**
   * Hands every manifest inode {@code id} (16 hex digits) of {@code store} reaches now to {@code
   * sink}; false if the store or the inode does not exist.
   */
  public boolean forEach(UUID store, String id, ManifestRoots.Sink sink) throws IOException {
    long root;
    try {
      root = Keys.parseId(id);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return walk(store, root, "", (path, manifest) -> sink.root(manifest));
  }

  /** Receives one file version under its path. */
  @FunctionalInterface
  public interface FileSink {
    void file(String path, BlobRef manifest) throws IOException;
  }

  /**
   * Hands every file with content in a manifest, in every live store, to {@code sink} with its path
   * from the mount root ({@code /store/folder/name}; every concurrent head of a file under the same
   * path).
   */
  public void forEachFile(FileSink sink) throws IOException {
    for (Stores.StoreInfo info : stores.listStores()) {
      walk(info.id(), Keys.ROOT, "/" + info.name(), sink);
    }
  }

  /** Walks the tree under {@code root} from one snapshot; false if it does not exist. */
  private boolean walk(UUID store, long root, String rootPath, FileSink sink) throws IOException {
    if (!declared(store)) {
      return false;
    }
    Store s = stores.open(store);
    try (Store.Snapshot snap = s.snapshot()) {
      if (!live(snap, root)) {
        return false;
      }
      ArrayDeque<Map.Entry<Long, String>> todo = new ArrayDeque<>();
      Set<Long> seen = new HashSet<>();
      todo.push(Map.entry(root, rootPath));
      while (!todo.isEmpty()) {
        Map.Entry<Long, String> next = todo.pop();
        long id = next.getKey();
        if (!seen.add(id)) {
          continue;
        }
        boolean dir = false;
        for (Inode inode :
            LiveInodes.of(
                snap.heads(Keys.inode(id)), () -> "inode " + Keys.id(id) + " of store " + store)) {
          if (inode.manifest() != null) {
            sink.file(next.getValue(), inode.manifest());
          }
          dir |= inode.kind() == Inode.Kind.DIRECTORY;
        }
        if (dir) {
          children(snap, id, next.getValue(), todo);
        }
      }
      return true;
    }
  }

  /** Calls {@code changed} after every change of {@code store}'s inodes (not for the snapshot). */
  public AutoCloseable watch(UUID store, Runnable changed) throws IOException {
    return stores
        .open(store)
        .watch(
            "/inodes/",
            c -> {
              if (!c.snapshot()) {
                changed.run();
              }
            });
  }

  private boolean declared(UUID store) throws KvException {
    for (Stores.StoreInfo info : stores.listStores()) {
      if (info.id().equals(store)) {
        return true;
      }
    }
    return false;
  }

  private static boolean live(Store.Snapshot snap, long id) throws KvException {
    for (Head h : snap.heads(Keys.inode(id))) {
      if (!h.isDeletion()) {
        return true;
      }
    }
    return false;
  }

  private static void children(
      Store.Snapshot snap, long dir, String path, ArrayDeque<Map.Entry<Long, String>> todo)
      throws IOException {
    String prefix = Keys.direntPrefix(dir);
    String after = null;
    while (true) {
      List<KeyValue> page = snap.list(prefix, after, PAGE);
      for (KeyValue kv : page) {
        String text = new String(kv.value(), StandardCharsets.UTF_8);
        try {
          todo.push(
              Map.entry(Keys.parseId(text), path + "/" + kv.key().substring(prefix.length())));
        } catch (IllegalArgumentException e) {
          throw new IOException("name " + kv.key() + " holds no inode id: " + text, e);
        }
        after = kv.key();
      }
      if (page.size() < PAGE) {
        return;
      }
    }
  }
}
