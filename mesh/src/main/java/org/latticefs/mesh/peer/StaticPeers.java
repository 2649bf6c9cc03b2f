package org.latticefs.mesh.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.HostPort;

/**
 * Addresses this node dials for a peer whatever the root store and mDNS say ({@code peer add}),
 * kept in {@code {dir}/static-peers}, one {@code {node id} {host:port}} per line, written whole
 * ({@link AtomicFile}). A file that does not parse is refused with its name. Thread-safe.
 */
public final class StaticPeers {
  private static final int MAX_BYTES = 1 << 20;
  private final Path file;

  public StaticPeers(Path dir) {
    this.file = dir.resolve("static-peers");
  }

  /** Every peer's static addresses, in the order added. */
  public synchronized Map<NodeId, List<HostPort>> all() throws IOException {
    Map<NodeId, List<HostPort>> out = new LinkedHashMap<>();
    List<String> lines;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IOException(file + " is too large to be a list of peers; move it away");
      }
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return out;
    }
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.trim().split(" ");
      try {
        if (f.length != 2) {
          throw new IllegalArgumentException("two fields expected");
        }
        out.computeIfAbsent(NodeId.parse(f[0]), k -> new ArrayList<>()).add(HostPort.parse(f[1]));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + " is damaged (line '" + line + "': " + e.getMessage() + ")");
      }
    }
    return out;
  }

  /** Adds {@code addr} for {@code node} (nothing if already there). */
  public synchronized void add(NodeId node, HostPort addr) throws IOException {
    Map<NodeId, List<HostPort>> all = all();
    List<HostPort> l = all.computeIfAbsent(node, k -> new ArrayList<>());
    if (l.contains(addr)) {
      return;
    }
    l.add(addr);
    save(all);
  }

  /** Forgets every static address of {@code node}. */
  public synchronized void remove(NodeId node) throws IOException {
    Map<NodeId, List<HostPort>> all = all();
    if (all.remove(node) != null) {
      save(all);
    }
  }

  private void save(Map<NodeId, List<HostPort>> all) throws IOException {
    StringBuilder sb = new StringBuilder();
    all.forEach(
        (id, addrs) -> addrs.forEach(a -> sb.append(id).append(' ').append(a).append('\n')));
    Files.createDirectories(file.getParent());
    AtomicFile.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
  }
}
