package org.latticefs.node.control;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;
import org.latticefs.node.config.DataDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's end of the control channel: a Unix domain socket {@code control.sock} in the data
 * directory (the directory is 0700, the socket 0600, and each peer's uid is checked against the
 * socket's owner), serving {@link Frames} requests by calling a {@link NodeApi}.
 *
 * <p>A request is {@code {"op": NAME, ...arguments}}; the response is {@code {"ok": true, "result":
 * ...}} or {@code {"ok": false, "error": MESSAGE, "exit": CODE}}. A malformed frame gets an error
 * response and the connection is closed. Up to {@link #WORKERS} connections are served at once,
 * further ones wait. Closing stops accepting, closes open connections and removes the socket file.
 */
public final class ControlServer implements AutoCloseable {
  public static final int WORKERS = 8;
  private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

  private final DataDir dir;
  private final NodeApi node;
  private final ServerSocketChannel server;
  private final UserPrincipal owner;
  private final ExecutorService workers;
  private final List<SocketChannel> open = new ArrayList<>();
  private final Thread acceptor;
  private volatile boolean closed;

  private ControlServer(DataDir dir, NodeApi node, ServerSocketChannel server) throws IOException {
    this.dir = dir;
    this.node = node;
    this.server = server;
    this.owner = Files.getOwner(dir.socket());
    AtomicInteger n = new AtomicInteger();
    this.workers =
        new ThreadPoolExecutor(
            WORKERS,
            WORKERS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "control-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    ((ThreadPoolExecutor) workers).allowCoreThreadTimeOut(true);
    this.acceptor = new Thread(this::acceptLoop, "control-accept");
    acceptor.setDaemon(true);
  }

  /**
   * Binds the socket and starts serving. A leftover socket file from a crashed daemon is replaced;
   * a live one is a {@link NodeException} (another daemon serves this data directory).
   */
  public static ControlServer start(DataDir dir, NodeApi node) throws IOException {
    dir.create();
    if (dir.socket().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
      throw new NodeException(
          "the data directory path is too long for a Unix socket (at most 94 bytes): "
              + dir.root());
    }
    if (Files.exists(dir.socket())) {
      try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(dir.socket()))) {
        throw new NodeException("another lattice-fs daemon is already serving " + dir.root());
      } catch (ConnectException stale) {
        log.debug("removing stale control socket {}", dir.socket());
        Files.deleteIfExists(dir.socket());
      }
    }
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.bind(UnixDomainSocketAddress.of(dir.socket()));
      Files.setPosixFilePermissions(dir.socket(), PosixFilePermissions.fromString("rw-------"));
      ControlServer s = new ControlServer(dir, node, ch);
      s.acceptor.start();
      log.debug("control socket listening at {}", dir.socket());
      return s;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel c;
      try {
        c = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          log.warn("control socket accept failed", e);
        }
        return;
      }
      synchronized (open) {
        if (closed) {
          closeQuietly(c);
          return;
        }
        open.add(c);
      }
      workers.execute(() -> serve(c));
    }
  }

  private void serve(SocketChannel c) {
    try (c) {
      if (!peerAllowed(c)) {
        Frames.write(c, error("permission denied", 1));
        return;
      }
      while (!closed) {
        Map<String, Object> req;
        try {
          req = Frames.read(c, Frames.MAX_REQUEST);
        } catch (Frames.ProtocolException e) {
          log.debug("bad control request: {}", e.getMessage());
          Frames.write(c, error("bad request: " + e.getMessage(), 2));
          return;
        }
        if (req == null) {
          return;
        }
        Frames.write(c, handle(req));
      }
    } catch (IOException e) {
      log.debug("control connection ended: {}", e.toString());
    } finally {
      synchronized (open) {
        open.remove(c);
      }
    }
  }

  private boolean peerAllowed(SocketChannel c) {
    try {
      UnixDomainPrincipal p = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
      String user = p.user().getName();
      return user.equals(owner.getName()) || user.equals("root");
    } catch (IOException | UnsupportedOperationException e) {
      // The socket file's 0600 mode inside a 0700 directory already restricts who can connect.
      return true;
    }
  }

  /** Answers one request; never throws. */
  Map<String, Object> handle(Map<String, Object> req) {
    try {
      Object result = dispatch(req);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ok", true);
      m.put("result", result);
      return m;
    } catch (NodeException e) {
      return error(e.getMessage(), e.exitCode());
    } catch (Frames.ProtocolException e) {
      return error("bad request: " + e.getMessage(), 2);
    } catch (IOException | IllegalArgumentException e) {
      return error(e.getMessage() == null ? e.toString() : e.getMessage(), 1);
    } catch (RuntimeException e) {
      log.error("control request {} failed", req.get("op"), e);
      return error("internal error: " + e, 1);
    }
  }

  private Object dispatch(Map<String, Object> r) throws IOException {
    String op = Wire.requiredStr(r, "op");
    String store = Wire.str(r, "store");
    switch (op) {
      case "ping":
        return "pong";
      case "id":
        return node.nodeId();
      case "store.ls":
        {
          List<Object> l = new ArrayList<>();
          for (NodeApi.StoreRow s : node.stores()) {
            l.add(Wire.store(s));
          }
          return l;
        }
      case "store.create":
        return Wire.store(node.createStore(Wire.requiredStr(r, "name")));
      case "store.rm":
        return Wire.store(node.removeStore(Wire.requiredStr(r, "store")));
      case "kv.put":
        {
          byte[] v = Wire.bytes(r, "value_base64");
          if (v == null) {
            throw new Frames.ProtocolException("field 'value_base64' is required");
          }
          return node.put(store, Wire.requiredStr(r, "key"), v);
        }
      case "kv.get":
        {
          Optional<byte[]> v = node.get(store, Wire.requiredStr(r, "key"));
          return v.map(Wire.B64::encodeToString).orElse(null);
        }
      case "kv.rm":
        return node.remove(store, Wire.requiredStr(r, "key"));
      case "kv.ls":
        {
          List<Object> l = new ArrayList<>();
          for (NodeApi.Row row : node.list(store, Wire.requiredStr(r, "prefix"), limit(r))) {
            l.add(Wire.row(row));
          }
          return l;
        }
      case "kv.heads":
        {
          List<Object> l = new ArrayList<>();
          for (NodeApi.HeadRow h : node.heads(store, Wire.requiredStr(r, "key"))) {
            l.add(Wire.head(h));
          }
          return l;
        }
      case "kv.history":
        {
          List<Object> l = new ArrayList<>();
          for (NodeApi.EntryRow e : node.history(store, Wire.str(r, "key"), limit(r))) {
            l.add(Wire.entry(e));
          }
          return l;
        }
      case "status":
        return Wire.status(node.status());
      case "stat":
        return Wire.fileStat(node.stat(Wire.requiredStr(r, "path")));
      case "shutdown":
        node.shutdown();
        return true;
      default:
        throw new Frames.ProtocolException("unknown op '" + op + "'");
    }
  }

  private static int limit(Map<String, Object> r) throws Frames.ProtocolException {
    long l = Wire.num(r, "limit");
    if (l <= 0 || l > 1_000_000) {
      throw new Frames.ProtocolException("field 'limit' must be in 1..1000000");
    }
    return (int) l;
  }

  private static Map<String, Object> error(String message, int exit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", false);
    m.put("error", message);
    m.put("exit", exit);
    return m;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(server);
    synchronized (open) {
      for (SocketChannel c : open) {
        closeQuietly(c);
      }
    }
    workers.shutdown();
    try {
      Files.deleteIfExists(dir.socket());
    } catch (IOException e) {
      log.warn("could not remove {}: {}", dir.socket(), e.toString());
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.debug("close: {}", e.toString());
    }
  }
}
