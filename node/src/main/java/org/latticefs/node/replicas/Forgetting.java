package org.latticefs.node.replicas;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.store.RootStore;

/**
 * Decides which nodes no longer count as holders of copies: a node revoked in the root store, one
 * this node has not seen for {@code mesh.forget_after}, or one forgotten by hand ({@code peer
 * forget ID}) and not seen since.
 *
 * <h2>Seen</h2>
 *
 * A node is seen when a connection with it comes up or it sends anything ({@link #seen}); a node
 * never seen counts as seen when this node first asked about it, so "unseen for 30 days" runs from
 * when this node first learned of it. Both times and the hand-forgotten nodes are kept in one small
 * file ({@code forget.properties} in the mesh directory, at most {@value #MAX_FILE} bytes: a larger
 * one is refused, never guessed at), written atomically, so a restart forgets nothing.
 *
 * <p>A forgotten node that connects again, {@link #RETURN_AFTER} or more after it was forgotten,
 * counts again: its answers are live ones. Thread-safe.
 */
public final class Forgetting {
  /** The file's name in the mesh directory. */
  public static final String FILE = "forget.properties";

  static final int MAX_FILE = 1 << 20;

  /**
   * How long after a forget a connection must come up to count the node again: connections made in
   * the same moment (both sides dialing each other, a reconnect after a blip) are not a return.
   */
  static final Duration RETURN_AFTER = Duration.ofMinutes(1);

  private static final String SEEN = "seen.";
  private static final String FORGOTTEN = "forgotten.";

  private final Path file;
  private final RootStore root;
  private final Duration forgetAfter;
  private final InstantSource clock;
  private final Map<String, Long> seen = new TreeMap<>();
  private final Map<String, Long> forgotten = new TreeMap<>();

  private Forgetting(Path file, RootStore root, Duration forgetAfter, InstantSource clock) {
    this.file = file;
    this.root = root;
    this.forgetAfter = forgetAfter;
    this.clock = clock;
  }

  /**
   * Opens the record in {@code file} (absent: nothing seen or forgotten yet).
   *
   * @throws IOException if it cannot be read, is larger than {@value #MAX_FILE} bytes or malformed
   */
  public static Forgetting open(
      Path file, RootStore root, Duration forgetAfter, InstantSource clock) throws IOException {
    Forgetting f = new Forgetting(file, root, forgetAfter, clock);
    f.load();
    return f;
  }

  private void load() throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE + 1);
    } catch (NoSuchFileException e) {
      return;
    }
    if (bytes.length > MAX_FILE) {
      throw new IOException(file + " is over " + MAX_FILE + " bytes: not read");
    }
    Properties p = new Properties();
    p.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
    for (String k : p.stringPropertyNames()) {
      long v;
      try {
        v = Long.parseLong(p.getProperty(k));
      } catch (NumberFormatException e) {
        throw new IOException(file + ": '" + k + "' is not a time in milliseconds");
      }
      if (k.startsWith(SEEN)) {
        seen.put(k.substring(SEEN.length()), v);
      } else if (k.startsWith(FORGOTTEN)) {
        forgotten.put(k.substring(FORGOTTEN.length()), v);
      } else {
        throw new IOException(file + ": unknown key '" + k + "'");
      }
    }
  }

  /** {@code node} was seen now (a connection came up). Written before it returns. */
  public void seen(NodeId node) throws IOException {
    seen(node, now());
  }

  /**
   * {@code node} was seen at {@code atMillis} (when its connection came up, which may be recorded a
   * moment later). A forgotten node stays forgotten unless that connection came up {@link
   * #RETURN_AFTER} or more after the forget.
   */
  public synchronized void seen(NodeId node, long atMillis) throws IOException {
    markSeen(node, atMillis);
    save();
  }

  /**
   * As {@link #seen(NodeId, long)} without writing the record (quick, for a network thread); the
   * next write or {@link #flush} keeps it.
   */
  public synchronized void markSeen(NodeId node, long atMillis) {
    seen.merge(node.toString(), atMillis, Math::max);
    Long forgottenAt = forgotten.get(node.toString());
    if (forgottenAt != null && atMillis > forgottenAt + RETURN_AFTER.toMillis()) {
      forgotten.remove(node.toString());
    }
  }

  /** Writes the record as it is now. */
  public synchronized void flush() throws IOException {
    save();
  }

  /** The time now, by this record's clock (epoch millis). */
  public long now() {
    return clock.millis();
  }

  /** Forgets {@code node} now ({@code peer forget}): it counts again only once seen again. */
  public synchronized void forget(NodeId node) throws IOException {
    forgotten.put(node.toString(), clock.millis());
    save();
  }

  /** Whether {@code node} (a node id's text form) no longer counts as a holder. */
  public synchronized boolean isForgotten(String node) throws IOException {
    NodeId id;
    try {
      id = NodeId.parse(node);
    } catch (IllegalArgumentException e) {
      return true; // not a node id: nobody to count
    }
    if (root.nodeStatus(id).orElse(null) == RootStore.NodeStatus.REVOKED) {
      return true;
    }
    if (forgotten.containsKey(node)) {
      return true;
    }
    Long last = seen.get(node);
    if (last == null) {
      seen.put(node, clock.millis());
      save();
      return false;
    }
    return clock.millis() - last > forgetAfter.toMillis();
  }

  private void save() throws IOException {
    StringBuilder out = new StringBuilder("# nodes seen and forgotten (epoch millis)\n");
    for (Map.Entry<String, Long> e : seen.entrySet()) {
      out.append(SEEN).append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    for (Map.Entry<String, Long> e : forgotten.entrySet()) {
      out.append(FORGOTTEN).append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    if (!Files.isDirectory(file.getParent())) {
      Files.createDirectories(
          file.getParent(),
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    }
    AtomicFile.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
  }
}
