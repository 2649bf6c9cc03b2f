package org.latticefs.kv.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.ExodusException;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;
import jetbrains.exodus.log.DataCorruptionException;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Head;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;

/**
 * The state in a Xodus environment (one directory per store).
 *
 * <p>Named stores: {@code heads} (key bytes ({@link KeyBytes#encode}) → canonical heads), {@code
 * ghosts} (entry hash ‖ key bytes → empty), {@code tips} (author id → canonical tip), {@code meta}
 * (format version). Xodus write durability is left off: the logs are the truth and the store
 * re-applies what a crash lost. Every {@link ExodusException} is wrapped in a {@link KvException}
 * ({@link CorruptStateException} for data damage); nothing of Xodus escapes this class.
 */
public final class XodusStateBackend implements StateBackend {
  private static final ByteIterable FORMAT_KEY = bytes("format");
  private static final ByteIterable FORMAT = bytes("lattice-kv-state-1");

  private final Path dir;
  private final Environment env;
  private volatile jetbrains.exodus.env.Store heads;
  private volatile jetbrains.exodus.env.Store ghosts;
  private volatile jetbrains.exodus.env.Store tips;
  private volatile jetbrains.exodus.env.Store meta;

  private XodusStateBackend(Path dir, Environment env) {
    this.dir = dir;
    this.env = env;
  }

  /**
   * Opens (creating if missing) the state in {@code dir}.
   *
   * @throws CorruptStateException if the directory holds something Xodus or this class cannot read
   *     as a state; the caller may delete the directory and start over
   */
  public static XodusStateBackend open(Path dir) throws KvException {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new KvException("cannot create state directory " + dir + ": " + e.getMessage(), e);
    }
    Environment env;
    try {
      EnvironmentConfig config =
          new EnvironmentConfig()
              .setLogDurableWrite(false)
              .setManagementEnabled(false)
              .setEnvGatherStatistics(false)
              .setEnvCloseForcedly(true);
      env = Environments.newInstance(dir.toFile(), config);
    } catch (RuntimeException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("lock")) {
        throw new KvException("state directory " + dir + " is in use: " + message, e);
      }
      throw new CorruptStateException("cannot open state in " + dir + ": " + message, e);
    }
    XodusStateBackend backend = new XodusStateBackend(dir, env);
    try {
      backend.openStores();
    } catch (KvException | RuntimeException e) {
      backend.closeQuietly();
      if (e instanceof CorruptStateException c) {
        throw c;
      }
      throw new CorruptStateException("cannot open state in " + dir + ": " + e.getMessage(), e);
    }
    return backend;
  }

  private void openStores() throws KvException {
    Transaction txn = env.beginExclusiveTransaction();
    try {
      boolean fresh = env.getAllStoreNames(txn).isEmpty();
      openStores(txn);
      ByteIterable format = meta.get(txn, FORMAT_KEY);
      if (format == null) {
        if (!fresh) {
          throw new CorruptStateException("state in " + dir + " has no format marker");
        }
        meta.put(txn, FORMAT_KEY, FORMAT);
      } else if (!sameBytes(format, FORMAT)) {
        throw new CorruptStateException("state in " + dir + " has an unknown format");
      }
      commit(txn);
    } finally {
      abortIfOpen(txn);
    }
  }

  private void openStores(Transaction txn) {
    heads = env.openStore("heads", StoreConfig.WITHOUT_DUPLICATES_WITH_PREFIXING, txn);
    ghosts = env.openStore("ghosts", StoreConfig.WITHOUT_DUPLICATES_WITH_PREFIXING, txn);
    tips = env.openStore("tips", StoreConfig.WITHOUT_DUPLICATES, txn);
    meta = env.openStore("meta", StoreConfig.WITHOUT_DUPLICATES, txn);
  }

  /** The directory this state lives in. */
  public Path directory() {
    return dir;
  }

  @Override
  public List<KeyChange> apply(List<StateEntry> entries) throws KvException {
    if (entries.isEmpty()) {
      return List.of();
    }
    try {
      Transaction txn = env.beginTransaction();
      try {
        List<KeyChange> changes = EntryApplier.applyAll(new WriteTxn(txn), entries);
        commit(txn);
        return changes;
      } finally {
        abortIfOpen(txn);
      }
    } catch (ExodusException e) {
      throw wrap("apply", e);
    }
  }

  @Override
  public void clear() throws KvException {
    try {
      Transaction txn = env.beginExclusiveTransaction();
      try {
        for (String name : List.of("heads", "ghosts", "tips")) {
          env.truncateStore(name, txn);
        }
        openStores(txn);
        commit(txn);
      } finally {
        abortIfOpen(txn);
      }
    } catch (ExodusException e) {
      throw wrap("clear", e);
    }
  }

  @Override
  public Optional<byte[]> get(String key) throws KvException {
    try (StateView view = snapshot()) {
      return view.get(key);
    }
  }

  @Override
  public List<Head> heads(String key) throws KvException {
    try (StateView view = snapshot()) {
      return view.heads(key);
    }
  }

  @Override
  public List<KeyValue> list(String prefix, String afterKey, int limit) throws KvException {
    try (StateView view = snapshot()) {
      return view.list(prefix, afterKey, limit);
    }
  }

  @Override
  public Map<NodeId, AppliedTip> tips() throws KvException {
    try (StateView view = snapshot()) {
      return view.tips();
    }
  }

  @Override
  public StateView snapshot() throws KvException {
    try {
      return new View(env.beginReadonlyTransaction());
    } catch (ExodusException e) {
      throw wrap("snapshot", e);
    }
  }

  @Override
  public void check() throws KvException {
    try (StateView view = snapshot()) {
      view.digest();
      ((View) view).checkGhosts();
    } catch (CorruptStateException e) {
      throw e;
    } catch (KvException | RuntimeException e) {
      throw new CorruptStateException("state in " + dir + " is damaged: " + e, e);
    }
  }

  @Override
  public void close() throws KvException {
    try {
      env.close();
    } catch (ExodusException e) {
      throw wrap("close", e);
    }
  }

  private void closeQuietly() {
    try {
      env.close();
    } catch (RuntimeException ignored) {
      // Already failing: the caller reports the original problem.
    }
  }

  private KvException wrap(String what, ExodusException e) {
    if (e instanceof DataCorruptionException) {
      return new CorruptStateException("state in " + dir + " is damaged (" + what + ")", e);
    }
    return new KvException("state " + what + " failed in " + dir + ": " + e.getMessage(), e);
  }

  private static void commit(Transaction txn) throws KvException {
    if (!txn.commit()) {
      throw new KvException("state transaction lost a conflict with another writer");
    }
  }

  private static void abortIfOpen(Transaction txn) {
    if (!txn.isFinished()) {
      txn.abort();
    }
  }

  private static ByteIterable bytes(String s) {
    return new ArrayByteIterable(s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] array(ByteIterable it) {
    return Arrays.copyOf(it.getBytesUnsafe(), it.getLength());
  }

  private static boolean sameBytes(ByteIterable a, ByteIterable b) {
    return Arrays.equals(
        a.getBytesUnsafe(), 0, a.getLength(), b.getBytesUnsafe(), 0, b.getLength());
  }

  private static ByteIterable ghostKey(BlobRef entry, String key) {
    byte[] k = KeyBytes.encode(key);
    byte[] out = new byte[BlobRef.LENGTH + k.length];
    entry.copyTo(out, 0);
    System.arraycopy(k, 0, out, BlobRef.LENGTH, k.length);
    return new ArrayByteIterable(out);
  }

  private static boolean startsWith(ByteIterable key, byte[] prefix) {
    return key.getLength() >= prefix.length
        && Arrays.equals(key.getBytesUnsafe(), 0, prefix.length, prefix, 0, prefix.length);
  }

  private List<Head> readHeads(Transaction txn, String key) throws KvException {
    ByteIterable v = heads.get(txn, new ArrayByteIterable(KeyBytes.encode(key)));
    if (v == null) {
      return List.of();
    }
    return StateCodec.decodeHeads(key, v.getBytesUnsafe(), v.getLength());
  }

  private final class WriteTxn implements StateTxn {
    private final Transaction txn;

    WriteTxn(Transaction txn) {
      this.txn = txn;
    }

    @Override
    public List<Head> heads(String key) throws KvException {
      return readHeads(txn, key);
    }

    @Override
    public void setHeads(String key, List<Head> list) {
      ArrayByteIterable k = new ArrayByteIterable(KeyBytes.encode(key));
      if (list.isEmpty()) {
        heads.delete(txn, k);
      } else {
        heads.put(txn, k, new ArrayByteIterable(StateCodec.encodeHeads(list)));
      }
    }

    @Override
    public boolean hasGhost(BlobRef entry, String key) {
      return ghosts.get(txn, ghostKey(entry, key)) != null;
    }

    @Override
    public void addGhost(BlobRef entry, String key) {
      ghosts.put(txn, ghostKey(entry, key), ArrayByteIterable.EMPTY);
    }

    @Override
    public void removeGhost(BlobRef entry, String key) {
      ghosts.delete(txn, ghostKey(entry, key));
    }

    @Override
    public void setTip(NodeId author, AppliedTip tip) {
      tips.put(
          txn,
          new ArrayByteIterable(author.publicKey()),
          new ArrayByteIterable(StateCodec.encodeTip(tip)));
    }
  }

  private final class View implements StateView {
    private final Transaction txn;

    View(Transaction txn) {
      this.txn = txn;
    }

    @Override
    public Optional<byte[]> get(String key) throws KvException {
      List<Head> list = heads(key);
      return list.isEmpty() ? Optional.empty() : list.get(0).valueIfPresent();
    }

    @Override
    public List<Head> heads(String key) throws KvException {
      try {
        return readHeads(txn, key);
      } catch (ExodusException e) {
        throw wrap("read", e);
      }
    }

    @Override
    public List<KeyValue> list(String prefix, String afterKey, int limit) throws KvException {
      List<KeyValue> out = new ArrayList<>();
      if (limit <= 0) {
        return out;
      }
      String start = afterKey != null && KeyBytes.compare(afterKey, prefix) > 0 ? afterKey : prefix;
      scanFrom(
          prefix,
          start,
          (key, list) -> {
            if (afterKey != null && key.equals(afterKey)) {
              return true;
            }
            list.get(0).valueIfPresent().ifPresent(v -> out.add(new KeyValue(key, v)));
            return out.size() < limit;
          });
      return out;
    }

    @Override
    public void scan(String prefix, HeadsVisitor visitor) throws KvException {
      scanFrom(prefix, prefix, visitor);
    }

    private void scanFrom(String prefix, String start, HeadsVisitor visitor) throws KvException {
      byte[] p = KeyBytes.encode(prefix);
      try (Cursor cursor = heads.openCursor(txn)) {
        ByteIterable found =
            cursor.getSearchKeyRange(new ArrayByteIterable(KeyBytes.encode(start)));
        if (found == null) {
          return;
        }
        do {
          ByteIterable k = cursor.getKey();
          if (!startsWith(k, p)) {
            return;
          }
          String key = KeyBytes.decode(k.getBytesUnsafe(), 0, k.getLength());
          ByteIterable v = cursor.getValue();
          if (!visitor.visit(key, StateCodec.decodeHeads(key, v.getBytesUnsafe(), v.getLength()))) {
            return;
          }
        } while (cursor.getNext());
      } catch (ExodusException e) {
        throw wrap("scan", e);
      }
    }

    @Override
    public Map<NodeId, AppliedTip> tips() throws KvException {
      Map<NodeId, AppliedTip> out = new TreeMap<>();
      try (Cursor cursor = tips.openCursor(txn)) {
        while (cursor.getNext()) {
          ByteIterable k = cursor.getKey();
          ByteIterable v = cursor.getValue();
          if (k.getLength() != NodeId.LENGTH) {
            throw new CorruptStateException("bad author key in tips of " + dir);
          }
          out.put(new NodeId(array(k)), StateCodec.decodeTip(v.getBytesUnsafe(), v.getLength()));
        }
      } catch (ExodusException e) {
        throw wrap("tips", e);
      }
      return Collections.unmodifiableMap(out);
    }

    @Override
    public BlobRef digest() throws KvException {
      try (StateDigest digest = new StateDigest();
          Cursor cursor = heads.openCursor(txn)) {
        while (cursor.getNext()) {
          ByteIterable k = cursor.getKey();
          ByteIterable v = cursor.getValue();
          String key = KeyBytes.decode(k.getBytesUnsafe(), 0, k.getLength());
          StateCodec.decodeHeads(key, v.getBytesUnsafe(), v.getLength());
          digest.key(array(k), v.getBytesUnsafe(), v.getLength());
        }
        for (Map.Entry<NodeId, AppliedTip> tip : tips().entrySet()) {
          digest.tip(tip.getKey(), tip.getValue());
        }
        return digest.finish();
      } catch (ExodusException e) {
        throw wrap("digest", e);
      }
    }

    void checkGhosts() throws KvException {
      try (Cursor cursor = ghosts.openCursor(txn)) {
        while (cursor.getNext()) {
          if (cursor.getKey().getLength() <= BlobRef.LENGTH || cursor.getValue().getLength() != 0) {
            throw new CorruptStateException("bad ghost record in " + dir);
          }
        }
      } catch (ExodusException e) {
        throw wrap("check", e);
      }
    }

    @Override
    public void close() {
      try {
        abortIfOpen(txn);
      } catch (ExodusException ignored) {
        // A read-only transaction holds nothing to release once the environment is gone.
      }
    }
  }
}
