package org.latticefs.node;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.fs.PathInfo;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.KeptVersions;
import org.latticefs.fs.inode.Keys;
import org.latticefs.gc.pin.PinTarget;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.Stores;
import org.latticefs.node.gc.NodePins;

/**
 * Answers the commands that name a path in the mount ({@code stat}, {@code pin}, {@code whereis},
 * {@code versions}): turns an absolute path into what the filesystem knows of it, and says clearly
 * when a path is outside the mount or is its root (the list of stores).
 *
 * <p>Paths are absolute, their names byte strings as {@link KeyBytes} holds them (so names that are
 * not UTF-8 are found); {@code .} and {@code ..} are resolved by name, as {@code realpath -s} does.
 * Messages show names with {@link KeyBytes#display}.
 */
final class MountPaths {
  private final Path mountpoint;
  private final LatticeFileSystem fs;
  private final Stores stores;
  private final NodePins pins;
  private final java.time.Duration keepDeleted;

  MountPaths(
      Path mountpoint,
      LatticeFileSystem fs,
      Stores stores,
      NodePins pins,
      java.time.Duration keepDeleted) {
    this.mountpoint = mountpoint;
    this.fs = fs;
    this.stores = stores;
    this.pins = pins;
    this.keepDeleted = keepDeleted;
  }

  NodeApi.FileStat stat(String path) throws IOException {
    PathInfo info = describe(path, "stat");
    List<String> names = components(path);
    Inode inode = info.inode();
    List<NodeApi.ChunkRow> chunks = new ArrayList<>();
    for (Chunk c : info.chunks()) {
      chunks.add(new NodeApi.ChunkRow(c.offset(), c.length(), c.ref().hex()));
    }
    return new NodeApi.FileStat(
        "/" + String.join("/", names),
        info.storeName(),
        info.inodeKey(),
        inode.kind().name().toLowerCase(Locale.ROOT),
        inode.size(),
        inode.manifest() == null ? null : inode.manifest().hex(),
        chunks);
  }

  /** The pin a {@code pin} argument names: a manifest hash, or a path in the mount (its inode). */
  PinTarget pinTarget(String target) throws IOException {
    Optional<PinTarget> hash = NodePins.named(target);
    if (hash.isPresent()) {
      return hash.get();
    }
    PathInfo info = describe(target, "pin");
    return new PinTarget.Inode(info.storeId(), Keys.id(info.inodeId()));
  }

  Map<String, Object> whereis(String target) throws IOException {
    Optional<PinTarget> named = NodePins.named(target);
    if (named.isPresent() && named.get() instanceof PinTarget.Manifest m) {
      return pins.whereis(target, m.ref(), null, null);
    }
    PathInfo info = describe(target, "look up");
    return pins.whereis(target, info.inode().manifest(), info.storeId(), Keys.id(info.inodeId()));
  }

  List<Map<String, Object>> versions(String path) throws IOException {
    Path p = Path.of(path).toAbsolutePath().normalize();
    if (p.getParent() == null || p.getParent().equals(mountpoint)) {
      throw new NodeException(path + " is not a file inside a store of the mount at " + mountpoint);
    }
    PathInfo parent = describe(p.getParent().toString(), "list versions in");
    List<Map<String, Object>> out = new ArrayList<>();
    for (KeptVersions.Version v :
        new KeptVersions(stores, keepDeleted, InstantSource.system())
            .versions(parent.storeId(), parent.inodeId(), p.getFileName().toString())) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("inode", v.inode());
      m.put("written_at", Instant.ofEpochMilli(v.writtenAtMillis()).toString());
      m.put("author", v.author());
      m.put("kind", v.kind() == null ? "deleted" : v.kind());
      m.put("size", v.size());
      m.put("manifest", v.manifest() == null ? null : v.manifest().hex());
      m.put(
          "superseded_at",
          v.supersededAtMillis() < 0
              ? null
              : Instant.ofEpochMilli(v.supersededAtMillis()).toString());
      m.put("kept", v.kept());
      out.add(m);
    }
    return out;
  }

  /** What the filesystem knows of {@code path}, which must be inside the mount and not its root. */
  private PathInfo describe(String path, String verb) throws IOException {
    List<String> names = components(path);
    List<String> mount = components(mountpoint.toString());
    if (names.size() < mount.size() || !names.subList(0, mount.size()).equals(mount)) {
      throw new NodeException(KeyBytes.display(path) + " is not inside the mount at " + mountpoint);
    }
    if (names.size() == mount.size()) {
      throw new NodeException(
          KeyBytes.display(path)
              + " is the mount root, which lists the stores; "
              + verb
              + " a store or a file in one");
    }
    String rel = "/" + String.join("/", names.subList(mount.size(), names.size()));
    try {
      return fs.describe(rel);
    } catch (IOException e) {
      throw new NodeException(
          KeyBytes.display(path) + ": " + KeyBytes.display(String.valueOf(e.getMessage())), 1, e);
    }
  }

  /** The names of absolute {@code path}, {@code .} dropped and {@code ..} applied. */
  private static List<String> components(String path) {
    List<String> out = new ArrayList<>();
    for (String n : path.split("/")) {
      if (n.isEmpty() || n.equals(".")) {
        continue;
      }
      if (n.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        continue;
      }
      out.add(n);
    }
    return out;
  }
}
