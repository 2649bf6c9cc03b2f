package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.Durability;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.Stores.StoreInfo;
import org.latticefs.kv.log.SigChainLog;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.kv.sync.IngestOutcome;

/**
 * The corruption matrix (issue 10): one byte flipped in each region of a log (header, first, middle
 * and last acknowledged entry, an unacknowledged entry followed by a later append, the last
 * unacknowledged entry), in a checkpoint, in the state and in a proof file; each file deleted; for
 * the root store and an app store. Every case either repairs (everything acknowledged readable) or
 * refuses with a message naming the damaged file, modifying nothing; none loses an acknowledged
 * entry silently.
 *
 * <p>The data directory is a snapshot taken while the stores were open (as a kill -9 leaves it), or
 * (cases marked so) after a clean close, when every entry is acknowledged, the last included: app
 * store "docs" holds five DISK commits (acknowledged), then three PROCESS_CRASH commits written but
 * not yet synced (after the acknowledged mark); the root store likewise ends in two unsynced
 * commits. A peer's equivocation left a proof file in "docs".
 */
class CorruptionMatrixTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final StoreSettings SETTINGS =
      StoreSettings.defaults().withSyncDelay(Duration.ofHours(1));

  @TempDir static Path base;
  private static Path snapshot;
  private static Path closed;
  private static UUID docs;
  private static UUID other;
  private static NodeId me;
  private static TestAuthor peer;
  private static SignedEntry peerNext;

  /** How a case must end. */
  enum Outcome {
    REPAIRED,
    REFUSED
  }

  /** One cell of the matrix. */
  record Case(String name, boolean root, Damage damage, Outcome expected, boolean afterClose) {
    Case(String name, boolean root, Damage damage, Outcome expected) {
      this(name, root, damage, expected, false);
    }

    @Override
    public String toString() {
      return (root ? "root: " : "app: ")
          + name
          + (afterClose ? " (after a clean close)" : "")
          + " -> "
          + expected;
    }
  }

  /** Damages a copy of the snapshot; returns the file it damaged (the one a refusal must name). */
  @FunctionalInterface
  interface Damage {
    Path apply(Path data, UUID store) throws IOException;
  }

  @BeforeAll
  static void writeSnapshot() throws Exception {
    Path data = base.resolve("live");
    try (DiskStores stores = DiskStores.open(data, SETTINGS)) {
      me = stores.nodeId();
      docs = stores.createStore("docs").id();
      other = stores.createStore("other").id();
      stores.rootKeys().setNodeName(me, "nas");
      peer = new TestAuthor(42, docs);
      stores.rootKeys().setNodeStatus(peer.id(), NodeStatus.ACTIVE);
      LogStore d = stores.open(docs);
      for (int i = 0; i < 5; i++) {
        d.commit(List.of(Op.Put.utf8("/k/" + i, "v" + i)));
      }
      long now = System.currentTimeMillis();
      SignedEntry e1 = peer.next(now, Map.of(), Op.Put.utf8("/peer", "1"));
      assertEquals(IngestOutcome.APPLIED, d.ingest(List.of(e1)).get(0));
      SignedEntry forked =
          peer.build(1, e1.entry().prev(), e1.entry().hlc(), Map.of(), Op.Put.utf8("/peer", "x"));
      assertInstanceOf(IngestOutcome.Rejected.class, d.ingest(List.of(forked)).get(0));
      peerNext = peer.next(now + 1, Map.of(), Op.Put.utf8("/peer", "2"));
      stores.open(other).commit(List.of(Op.Put.utf8("/o", "o")));
      for (int i = 0; i < 3; i++) {
        d.commit(List.of(Op.Put.utf8("/pc/" + i, "p" + i)), Durability.PROCESS_CRASH);
      }
      for (int i = 0; i < 2; i++) {
        stores.root().commit(List.of(Op.Put.utf8("/pc/" + i, "p" + i)), Durability.PROCESS_CRASH);
      }
      assertTrue(d.hasUnsyncedCommits());
      snapshot = base.resolve("snapshot");
      copyTree(data, snapshot);
    }
    // The same directory after a clean close: every entry acknowledged, the last one included.
    closed = base.resolve("closed");
    copyTree(data, closed);
  }

  @AfterAll
  static void noStrayFiles() throws IOException {
    deleteTree(base.resolve("live"));
  }

  static List<Case> cases() {
    List<Case> out = new ArrayList<>();
    for (boolean root : new boolean[] {true, false}) {
      out.add(new Case("log header", root, flipInFrame(-1, 10), Outcome.REFUSED));
      out.add(new Case("log, first entry", root, flipInFrame(0, 60), Outcome.REFUSED));
      out.add(new Case("log, middle entry", root, flipInFrame(1, 60), Outcome.REFUSED));
      out.add(new Case("log, last acknowledged entry", root, flipInFrame(4, 60), Outcome.REFUSED));
      out.add(
          new Case(
              "log, unacknowledged entry with a later append after it",
              root,
              flipInFrameFromEnd(2, 60),
              Outcome.REFUSED));
      out.add(
          new Case(
              "log, last unacknowledged entry (a torn tail)",
              root,
              flipInFrameFromEnd(1, 60),
              Outcome.REPAIRED));
      out.add(new Case("log deleted", root, (d, s) -> delete(localLog(d, s)), Outcome.REFUSED));
      out.add(
          new Case(
              "log and its checkpoint deleted",
              root,
              (d, s) -> {
                delete(checkpoint(localLog(d, s)));
                return delete(localLog(d, s));
              },
              Outcome.REFUSED));
      out.add(
          new Case(
              "checkpoint header",
              root,
              (d, s) -> flip(checkpoint(localLog(d, s)), 20),
              Outcome.REPAIRED));
      out.add(
          new Case(
              "checkpoint, both slots",
              root,
              (d, s) -> {
                flip(checkpoint(localLog(d, s)), 80);
                return flip(checkpoint(localLog(d, s)), 140);
              },
              Outcome.REPAIRED));
      out.add(
          new Case(
              "checkpoint deleted",
              root,
              (d, s) -> delete(checkpoint(localLog(d, s))),
              Outcome.REPAIRED));
      out.add(new Case("state scribbled", root, (d, s) -> scribbleState(d, s), Outcome.REPAIRED));
      out.add(
          new Case(
              "a state file deleted",
              root,
              (d, s) -> delete(firstXodusFile(d, s)),
              Outcome.REPAIRED));
      out.add(
          new Case(
              "state deleted",
              root,
              (d, s) -> {
                Path state = storeDir(d, s).resolve("state");
                deleteTree(state);
                return state;
              },
              Outcome.REPAIRED));
    }
    for (boolean root : new boolean[] {true, false}) {
      out.add(
          new Case(
              "log, last entry, acknowledged",
              root,
              flipInFrameFromEnd(1, 60),
              Outcome.REFUSED,
              true));
      out.add(
          new Case(
              "log cut inside its last entry, acknowledged",
              root,
              (d, s) -> {
                Path log = localLog(d, s);
                byte[] b = Files.readAllBytes(log);
                Files.write(log, java.util.Arrays.copyOf(b, b.length - 5));
                return log;
              },
              Outcome.REFUSED,
              true));
    }
    out.add(
        new Case(
            "a peer's log, its only entry (acknowledged, the last in the file)",
            false,
            (d, s) -> flip(peerLog(d, s), 56 + 60),
            Outcome.REFUSED));
    out.add(new Case("proof file", false, (d, s) -> flip(proof(d, s), 40), Outcome.REPAIRED));
    out.add(new Case("proof deleted", false, (d, s) -> delete(proof(d, s)), Outcome.REPAIRED));
    out.add(
        new Case(
            "identity key deleted",
            true,
            (d, s) -> delete(d.resolve("identity.key")),
            Outcome.REFUSED));
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void damageIsRepairedOrRefusedNeverSilent(Case c) throws Exception {
    Path data = base.resolve("case-" + Math.abs(c.toString().hashCode()));
    deleteTree(data);
    copyTree(c.afterClose() ? closed : snapshot, data);
    UUID store = c.root() ? RootStore.ID : docs;
    Path damaged = c.damage().apply(data, store);
    // A refused root leaves the whole directory as it was; a refused app store its own files.
    Path watched = c.root() ? data : storeDir(data, docs);
    Map<Path, byte[]> before = nonStateFiles(watched);
    try {
      if (c.root()) {
        checkRoot(c, data, damaged, before);
      } else {
        checkApp(c, data, damaged, before);
      }
      if (c.expected() == Outcome.REFUSED) {
        assertUnchanged(before, watched, damaged);
      }
    } finally {
      deleteTree(data);
    }
  }

  private void checkRoot(Case c, Path data, Path damaged, Map<Path, byte[]> before)
      throws Exception {
    if (c.expected() == Outcome.REFUSED) {
      KvException e = assertThrows(KvException.class, () -> DiskStores.open(data, SETTINGS));
      assertTrue(e.getMessage().contains(damaged.getFileName().toString()), e.getMessage());
      assertTrue(
          e instanceof DamagedStoreException
              ? e.getMessage().contains("root store") && e.getMessage().contains("restore")
              : e.getMessage().contains("restore"),
          e.getMessage());
      return;
    }
    try (DiskStores stores = DiskStores.open(data, SETTINGS)) {
      assertEquals(
          List.of("docs", "other"), stores.listStores().stream().map(StoreInfo::name).toList());
      assertEquals(Optional.of("nas"), stores.rootKeys().nodeName(me));
      assertEquals(me, stores.nodeId());
      assertAppReadable(stores);
      if (c.name().contains("torn tail")) {
        assertTrue(cutBytesKept(storeDir(data, RootStore.ID)), "the cut bytes are kept");
      }
    }
  }

  private void checkApp(Case c, Path data, Path damaged, Map<Path, byte[]> before)
      throws Exception {
    try (DiskStores stores = DiskStores.open(data, SETTINGS)) {
      if (c.expected() == Outcome.REFUSED) {
        DamagedStoreException e =
            assertThrows(DamagedStoreException.class, () -> stores.open(docs));
        assertTrue(e.getMessage().contains(damaged.getFileName().toString()), e.getMessage());
        assertEquals(List.of(e.damage()), stores.damaged());
        StoreDamage d = e.damage();
        assertEquals(docs, d.storeId());
        assertEquals(
            authorOf(damaged), d.ranges().get(0).author(), "names the author range to re-fetch");
        assertThrows(DamagedStoreException.class, () -> stores.open(docs), "stays refused");
        assertEquals("o", text(stores.open(other).get("/o")), "the rest of the node works");
        return;
      }
      assertAppReadable(stores);
      assertEquals(List.of(), stores.damaged());
      LogStore d = stores.open(docs);
      if (c.name().contains("torn tail")) {
        assertEquals("p1", text(d.get("/pc/1")), "the entries before the torn one stay");
        assertTrue(d.get("/pc/2").isEmpty(), "the torn one is cut");
        assertTrue(cutBytesKept(storeDir(data, docs)), "and its bytes kept beside the log");
      }
      IngestOutcome next = d.ingest(List.of(peerNext)).get(0);
      if (c.name().equals("proof deleted")) {
        assertEquals(IngestOutcome.APPLIED, next, "without its proof the author is accepted");
      } else {
        assertInstanceOf(IngestOutcome.Rejected.class, next, "the equivocator stays refused");
      }
    }
  }

  /** Every acknowledged entry of "docs" reads back; unacknowledged ones may be gone. */
  private static void assertAppReadable(DiskStores stores) throws Exception {
    LogStore d = stores.open(docs);
    for (int i = 0; i < 5; i++) {
      assertEquals("v" + i, text(d.get("/k/" + i)));
    }
    assertEquals("1", text(d.get("/peer")));
    assertEquals("o", text(stores.open(other).get("/o")));
  }

  private static String text(Optional<byte[]> v) {
    return new String(v.orElseThrow(), StandardCharsets.UTF_8);
  }

  private static boolean cutBytesKept(Path storeDir) throws IOException {
    try (Stream<Path> files = Files.list(storeDir.resolve("logs"))) {
      return files.anyMatch(p -> p.getFileName().toString().contains(".log.cut-at-"));
    }
  }

  // ---- damage --------------------------------------------------------------------------------

  static Path storeDir(Path data, UUID store) {
    return data.resolve("stores").resolve(store.toString());
  }

  static Path localLog(Path data, UUID store) {
    return storeDir(data, store).resolve("logs").resolve(HEX.formatHex(me.publicKey()) + ".log");
  }

  static Path peerLog(Path data, UUID store) {
    return storeDir(data, store)
        .resolve("logs")
        .resolve(HEX.formatHex(peer.id().publicKey()) + ".log");
  }

  /** The author whose log {@code f} is (or whose log the checkpoint {@code f} belongs to). */
  static NodeId authorOf(Path f) {
    String name = f.getFileName().toString();
    return new NodeId(HEX.parseHex(name.substring(0, name.indexOf('.'))));
  }

  static Path checkpoint(Path log) {
    return SigChainLog.verifiedCheckpointOf(log);
  }

  static Path proof(Path data, UUID store) throws IOException {
    try (Stream<Path> files = Files.list(storeDir(data, store).resolve("equivocations"))) {
      return files.filter(p -> p.toString().endsWith(".proof")).findFirst().orElseThrow();
    }
  }

  static Path firstXodusFile(Path data, UUID store) throws IOException {
    try (Stream<Path> files = Files.list(storeDir(data, store).resolve("state"))) {
      return files.filter(p -> p.toString().endsWith(".xd")).sorted().findFirst().orElseThrow();
    }
  }

  static Path scribbleState(Path data, UUID store) throws IOException {
    Path state = storeDir(data, store).resolve("state");
    XodusFiles.scribble(state);
    return state;
  }

  /** Flips a byte {@code at} bytes into frame {@code frame} of the local log (-1: the header). */
  static Damage flipInFrame(int frame, int at) {
    return (data, store) -> {
      Path log = localLog(data, store);
      long[] starts = frameStarts(log);
      return flip(log, (frame < 0 ? 0 : starts[frame]) + at);
    };
  }

  /** Flips a byte in the {@code fromEnd}-th frame from the end (1: the last). */
  static Damage flipInFrameFromEnd(int fromEnd, int at) {
    return (data, store) -> {
      Path log = localLog(data, store);
      long[] starts = frameStarts(log);
      return flip(log, starts[starts.length - fromEnd] + at);
    };
  }

  /** Frame offsets per SigChainLog's documented format: 56-byte header, 20 bytes of framing. */
  static long[] frameStarts(Path log) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(log));
    List<Long> starts = new ArrayList<>();
    int pos = 56;
    while (pos < b.limit()) {
      starts.add((long) pos);
      pos += 20 + b.getInt(pos + 4);
    }
    return starts.stream().mapToLong(Long::longValue).toArray();
  }

  static Path flip(Path f, long at) throws IOException {
    byte[] b = Files.readAllBytes(f);
    b[(int) at] ^= 0x10;
    Files.write(f, b);
    return f;
  }

  static Path delete(Path f) throws IOException {
    Files.delete(f);
    return f;
  }

  // ---- files ---------------------------------------------------------------------------------

  /** Every file but the (derived, engine-written) state and the lock, by path, with its bytes. */
  static Map<Path, byte[]> nonStateFiles(Path dir) throws IOException {
    Map<Path, byte[]> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        Path rel = dir.relativize(p);
        if (!rel.toString().startsWith("state/")
            && !rel.toString().contains("/state/")
            && !rel.toString().equals("lock")) {
          out.put(rel, Files.readAllBytes(p));
        }
      }
    }
    return out;
  }

  /**
   * Nothing was created, removed or changed, except that an intact log opened before the damage was
   * found may have moved its acknowledged mark (its checkpoint) up to entries it fsynced.
   */
  static void assertUnchanged(Map<Path, byte[]> before, Path dir, Path damaged) throws IOException {
    Map<Path, byte[]> after = nonStateFiles(dir);
    assertEquals(before.keySet(), after.keySet(), "no file created or removed");
    String damagedCheckpoint = checkpoint(damaged).getFileName().toString();
    for (Map.Entry<Path, byte[]> e : before.entrySet()) {
      String name = e.getKey().getFileName().toString();
      if (name.endsWith(".verified") && !name.equals(damagedCheckpoint)) {
        continue;
      }
      assertArrayEquals(e.getValue(), after.get(e.getKey()), "modified: " + e.getKey());
    }
    assertFalse(after.isEmpty());
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
