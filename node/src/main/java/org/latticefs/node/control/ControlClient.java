package org.latticefs.node.control;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;
import org.latticefs.node.config.DataDir;

/**
 * A {@link NodeApi} that forwards every call to the daemon over its control socket, one connection
 * per call (the daemon closes connections that wait long for a request, so none is kept between
 * calls; the first call uses the connection {@link #connect} opened). Used by one thread at a time;
 * the caller closes it.
 */
public final class ControlClient implements NodeApi {
  /** How long one request may take before the client gives up. */
  public static final long TIMEOUT_SECONDS = 300;

  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "control-client-watchdog");
            t.setDaemon(true);
            return t;
          });

  private final DataDir dir;
  private SocketChannel first;

  private ControlClient(DataDir dir, SocketChannel first) {
    this.dir = dir;
    this.first = first;
  }

  /**
   * Connects to the daemon serving {@code dir}; empty if none is running (no socket file, or a
   * stale one nobody listens on).
   */
  public static Optional<ControlClient> connect(DataDir dir) throws IOException {
    return open(dir).map(ch -> new ControlClient(dir, ch));
  }

  private static Optional<SocketChannel> open(DataDir dir) throws IOException {
    if (!Files.exists(dir.socket())) {
      return Optional.empty();
    }
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(dir.socket()));
      return Optional.of(ch);
    } catch (ConnectException | java.nio.file.NoSuchFileException e) {
      ch.close();
      return Optional.empty();
    } catch (SocketException e) {
      ch.close();
      throw new NodeException("cannot reach the daemon at " + dir.socket() + ": " + e.getMessage());
    }
  }

  /**
   * Sends one request; returns its result or throws the daemon's error as a NodeException. A daemon
   * that does not answer within {@link #TIMEOUT_SECONDS} is a NodeException too. A request over
   * {@link Frames#MAX_REQUEST} is refused here, before anything is sent.
   */
  public Object call(Map<String, Object> request) throws IOException {
    SocketChannel ch = first;
    first = null;
    if (ch == null) {
      ch =
          open(dir)
              .orElseThrow(
                  () ->
                      new NodeException(
                          "the lattice-fs daemon for " + dir.root() + " is no longer running",
                          3,
                          null));
    }
    try (SocketChannel c = ch) {
      return answer(exchange(c, request), request);
    }
  }

  private static Map<String, Object> exchange(SocketChannel ch, Map<String, Object> request)
      throws IOException {
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledFuture<?> watchdog =
        WATCHDOG.schedule(
            () -> {
              timedOut.set(true);
              try {
                ch.close();
              } catch (IOException e) {
                // closing is all we can do
              }
            },
            TIMEOUT_SECONDS,
            TimeUnit.SECONDS);
    try {
      try {
        Frames.write(ch, request, Frames.MAX_REQUEST);
      } catch (Frames.FrameTooLargeException e) {
        throw new NodeException(
            "the request is more than the control protocol carries (" + e.limit() + " bytes)");
      } catch (IOException writeFailed) {
        // A daemon that refuses a connection (busy, permission) answers and closes at once: the
        // answer may be waiting although the request could not be written.
        Map<String, Object> early = readQuietly(ch);
        if (early != null) {
          return early;
        }
        throw writeFailed;
      }
      return Frames.read(ch, Frames.MAX_RESPONSE);
    } catch (IOException e) {
      if (timedOut.get()) {
        throw new NodeException(
            "the daemon did not answer within "
                + TIMEOUT_SECONDS
                + " s ("
                + request.get("op")
                + ")");
      }
      throw e;
    } finally {
      watchdog.cancel(false);
    }
  }

  private static Map<String, Object> readQuietly(SocketChannel ch) {
    try {
      return Frames.read(ch, Frames.MAX_RESPONSE);
    } catch (IOException e) {
      return null;
    }
  }

  private static Object answer(Map<String, Object> resp, Map<String, Object> request)
      throws IOException {
    if (resp == null) {
      throw new NodeException(
          "the daemon closed the connection before answering (" + request.get("op") + ")");
    }
    if (Boolean.TRUE.equals(resp.get("ok"))) {
      return resp.get("result");
    }
    String msg = Wire.str(resp, "error");
    long exit = Wire.num(resp, "exit");
    throw new NodeException(
        msg == null ? "the daemon reported an unspecified error" : msg,
        exit == 0 ? 1 : (int) exit,
        null);
  }

  private static Map<String, Object> req(String op, Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("op", op);
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> obj(Object o) throws Frames.ProtocolException {
    if (o instanceof Map) {
      return (Map<String, Object>) o;
    }
    throw new Frames.ProtocolException("expected an object from the daemon");
  }

  /** Decodes one object of a list the daemon answered. */
  @FunctionalInterface
  private interface RowDecoder<T> {
    T decode(Map<String, Object> m) throws Frames.ProtocolException;
  }

  /** The daemon's answer to {@code answer} (a list of objects), each decoded by {@code decoder}. */
  private static <T> List<T> rows(Object answer, RowDecoder<T> decoder)
      throws Frames.ProtocolException {
    List<T> out = new ArrayList<>();
    for (Map<String, Object> m : list(answer)) {
      out.add(decoder.decode(m));
    }
    return out;
  }

  private static List<Map<String, Object>> list(Object o) throws Frames.ProtocolException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("l", o);
    return Wire.objects(m, "l");
  }

  @Override
  public String nodeId() throws IOException {
    return (String) call(req("id"));
  }

  @Override
  public List<StoreRow> stores() throws IOException {
    return rows(call(req("store.ls")), Wire::store);
  }

  @Override
  public StoreRow createStore(String name) throws IOException {
    return Wire.store(obj(call(req("store.create", "name", name))));
  }

  @Override
  public StoreRow removeStore(String nameOrUuid) throws IOException {
    return Wire.store(obj(call(req("store.rm", "store", nameOrUuid))));
  }

  @Override
  public String put(String store, String key, byte[] value) throws IOException {
    return (String)
        call(
            req(
                "kv.put",
                "store",
                store,
                "key",
                key,
                "value_base64",
                Base64.getEncoder().encodeToString(value)));
  }

  @Override
  public Optional<byte[]> get(String store, String key) throws IOException {
    Object v = call(req("kv.get", "store", store, "key", key));
    if (v == null) {
      return Optional.empty();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", v);
    return Optional.of(Wire.bytes(m, "v"));
  }

  @Override
  public boolean remove(String store, String key) throws IOException {
    return Boolean.TRUE.equals(call(req("kv.rm", "store", store, "key", key)));
  }

  @Override
  public List<Row> list(String store, String prefix, String afterKey, int limit)
      throws IOException {
    return rows(
        call(
            req(
                "kv.ls",
                "store",
                store,
                "prefix",
                prefix,
                "after",
                afterKey,
                "limit",
                (long) limit)),
        Wire::row);
  }

  @Override
  public List<HeadRow> heads(String store, String key) throws IOException {
    return rows(call(req("kv.heads", "store", store, "key", key)), Wire::head);
  }

  @Override
  public List<EntryRow> history(String store, String key, int limit) throws IOException {
    return rows(
        call(req("kv.history", "store", store, "key", key, "limit", (long) limit)), Wire::entry);
  }

  @Override
  public String invite(long ttlSeconds) throws IOException {
    return (String) call(req("peer.invite", "ttl_seconds", ttlSeconds));
  }

  @Override
  public JoinRow join(String line) throws IOException {
    return Wire.joined(obj(call(req("peer.join", "line", line))));
  }

  @Override
  public List<PeerRow> peers() throws IOException {
    return rows(call(req("peer.ls")), Wire::peer);
  }

  @Override
  public boolean revoke(String id) throws IOException {
    return Boolean.TRUE.equals(call(req("peer.revoke", "id", id)));
  }

  @Override
  public void forget(String id) throws IOException {
    call(req("peer.forget", "id", id));
  }

  @Override
  public void addPeer(String id, String addr) throws IOException {
    call(req("peer.add", "id", id, "addr", addr));
  }

  @Override
  public Status status() throws IOException {
    return Wire.status(obj(call(req("status"))));
  }

  @Override
  public FileStat stat(String path) throws IOException {
    return Wire.fileStat(obj(call(req("stat", "path", path))));
  }

  @Override
  public String startGc(String kind) throws IOException {
    return (String) call(req("gc.start", "kind", kind));
  }

  @Override
  public GcJob gcJob(String id) throws IOException {
    return Wire.gcJob(obj(call(req("gc.job", "id", id))));
  }

  @Override
  public Map<String, Object> pinAdd(String target) throws IOException {
    return obj(call(req("pin.add", "target", target)));
  }

  @Override
  public boolean pinRemove(String target) throws IOException {
    return Boolean.TRUE.equals(call(req("pin.rm", "target", target)));
  }

  @Override
  public List<Map<String, Object>> pins() throws IOException {
    return list(call(req("pin.ls")));
  }

  @Override
  public Map<String, Object> whereis(String target) throws IOException {
    return obj(call(req("whereis", "target", target)));
  }

  @Override
  public Map<String, Object> setStoreMode(String store, String mode) throws IOException {
    return obj(call(req("store.mode", "store", store, "mode", mode)));
  }

  @Override
  public String startFsck(boolean repair) throws IOException {
    return (String) call(req("fsck.start", "repair", repair));
  }

  @Override
  public GcJob fsckJob(String id) throws IOException {
    return Wire.gcJob(obj(call(req("fsck.job", "id", id))));
  }

  @Override
  public List<Map<String, Object>> versions(String path) throws IOException {
    return list(call(req("versions", "path", path)));
  }

  @Override
  public void shutdown() throws IOException {
    call(req("shutdown"));
  }

  @Override
  public void close() throws IOException {
    if (first != null) {
      first.close();
      first = null;
    }
  }
}
