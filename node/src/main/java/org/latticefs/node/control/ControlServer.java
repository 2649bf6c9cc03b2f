package org.latticefs.node.control;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
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
 * socket's owner), serving {@link Frames} requests through a {@link RequestHandler}.
 *
 * <h2>Connections</h2>
 *
 * Each connection is served by its own thread, so a request that is slow to execute never delays
 * another connection's. A connection is <em>waiting</em> while the daemon waits for its next
 * request, <em>busy</em> while one executes and its answer is written.
 *
 * <ul>
 *   <li>A request must arrive complete within {@link Limits#readTimeout} of the connection opening
 *       or of the previous answer; otherwise the connection is closed (an idle or stalled client
 *       holds nothing for long). An answer the client does not read within {@link
 *       Limits#writeTimeout} closes the connection too.
 *   <li>At most {@link Limits#maxConnections} connections are open, at most {@link
 *       Limits#maxPerUser} per peer user. A connection beyond a limit closes the waiting connection
 *       that has waited longest (of that user, for the per-user limit); when every counted
 *       connection is busy, the newcomer gets the error "the daemon is busy …" (exit 1) and is
 *       closed. Idle connections therefore never keep a command out.
 *   <li>A request read completely is either executed and answered, or (if its connection was closed
 *       for a newcomer first) not executed at all.
 * </ul>
 *
 * A malformed frame gets an error answer and the connection is closed. An answer over {@link
 * Frames#MAX_RESPONSE} is replaced by an error saying so. Closing stops accepting, closes open
 * connections and removes the socket file.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

  /**
   * How many connections are served and how long a client may keep the daemon waiting.
   *
   * @param maxConnections connections open at once
   * @param maxPerUser connections of one peer user open at once
   * @param readTimeout the most a request may take to arrive
   * @param writeTimeout the most an answer may take to be taken by the client
   */
  public record Limits(
      int maxConnections, int maxPerUser, Duration readTimeout, Duration writeTimeout) {
    public static final Limits DEFAULT =
        new Limits(32, 24, Duration.ofSeconds(10), Duration.ofSeconds(30));

    public Limits {
      if (maxConnections < 1 || maxPerUser < 1 || maxPerUser > maxConnections) {
        throw new IllegalArgumentException("need 1 <= maxPerUser <= maxConnections");
      }
    }
  }

  private final DataDir dir;
  private final RequestHandler handler;
  private final Limits limits;
  private final ServerSocketChannel server;
  private final UserPrincipal owner;
  private final ThreadPoolExecutor workers;
  private final ScheduledExecutorService deadlines;
  private final List<Connection> open = new ArrayList<>();
  private final Thread acceptor;
  private volatile boolean closed;

  /** One accepted connection; {@code busy} and {@code evicted} are guarded by {@code open}. */
  private static final class Connection {
    final SocketChannel ch;
    final String user;
    boolean busy;
    boolean evicted;
    long waitingSince = System.nanoTime();

    Connection(SocketChannel ch, String user) {
      this.ch = ch;
      this.user = user;
    }
  }

  private ControlServer(DataDir dir, NodeApi node, Limits limits, ServerSocketChannel server)
      throws IOException {
    this.dir = dir;
    this.handler = new RequestHandler(node);
    this.limits = limits;
    this.server = server;
    this.owner = Files.getOwner(dir.socket());
    AtomicInteger n = new AtomicInteger();
    // Evicted connections may still be finishing while their successors start: room for both.
    this.workers =
        new ThreadPoolExecutor(
            0,
            2 * limits.maxConnections() + 2,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> daemonThread(r, "control-" + n.incrementAndGet()));
    this.deadlines =
        Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "control-deadlines"));
    this.acceptor = daemonThread(this::acceptLoop, "control-accept");
  }

  private static Thread daemonThread(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** {@link #start(DataDir, NodeApi, Limits)} with {@link Limits#DEFAULT}. */
  public static ControlServer start(DataDir dir, NodeApi node) throws IOException {
    return start(dir, node, Limits.DEFAULT);
  }

  /**
   * Binds the socket and starts serving. A leftover socket file from a crashed daemon is replaced;
   * a live one is a {@link NodeException} (another daemon serves this data directory).
   */
  public static ControlServer start(DataDir dir, NodeApi node, Limits limits) throws IOException {
    dir.create();
    if (dir.socket().toString().getBytes(StandardCharsets.UTF_8).length > 107) {
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
      ControlServer s = new ControlServer(dir, node, limits, ch);
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
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          log.warn("control socket accept failed", e);
        }
        return;
      }
      String user = peerUser(ch);
      if (!allowed(user)) {
        refuse(ch, "permission denied");
        continue;
      }
      admit(new Connection(ch, user));
    }
  }

  /** Counts {@code c} in, making room by closing the longest-waiting connection if needed. */
  private void admit(Connection c) {
    Connection victim = null;
    synchronized (open) {
      if (closed) {
        closeQuietly(c.ch);
        return;
      }
      boolean userFull = count(c.user) >= limits.maxPerUser();
      if (userFull || open.size() >= limits.maxConnections()) {
        victim = longestWaiting(userFull ? c.user : null);
        if (victim == null) {
          refuse(
              c.ch,
              "the daemon is busy: "
                  + (userFull ? limits.maxPerUser() : limits.maxConnections())
                  + " control connections are running commands; try again when one finishes");
          return;
        }
        victim.evicted = true;
        open.remove(victim);
      }
      open.add(c);
    }
    if (victim != null) {
      log.debug("closing a waiting control connection to make room for a new one");
      closeQuietly(victim.ch);
    }
    try {
      workers.execute(() -> serve(c));
    } catch (RejectedExecutionException e) {
      synchronized (open) {
        open.remove(c);
      }
      refuse(c.ch, "the daemon is busy: too many control connections; try again shortly");
    }
  }

  private int count(String user) {
    int n = 0;
    for (Connection c : open) {
      if (c.user.equals(user)) {
        n++;
      }
    }
    return n;
  }

  /** The waiting connection (of {@code user}, or any if null) that waited longest, or null. */
  private Connection longestWaiting(String user) {
    Connection best = null;
    for (Connection c : open) {
      if (!c.busy
          && (user == null || c.user.equals(user))
          && (best == null || c.waitingSince - best.waitingSince < 0)) {
        best = c;
      }
    }
    return best;
  }

  /** Answers {@code message} (exit 1) on a fresh connection and closes it. */
  private void refuse(SocketChannel ch, String message) {
    try (ch) {
      // A small frame on a new connection fits the socket buffer: this write does not block.
      Frames.write(ch, RequestHandler.error(message, 1), Frames.MAX_RESPONSE);
    } catch (IOException e) {
      log.debug("refused control connection: {}", e.toString());
    }
  }

  private void serve(Connection c) {
    try (SocketChannel ch = c.ch) {
      while (!closed) {
        Map<String, Object> req;
        Future<?> deadline = closeAfter(ch, limits.readTimeout(), "no request");
        try {
          req = Frames.read(ch, Frames.MAX_REQUEST);
        } catch (Frames.ProtocolException e) {
          log.debug("bad control request: {}", e.getMessage());
          deadline.cancel(false);
          answer(ch, RequestHandler.error("bad request: " + e.getMessage(), 2));
          return;
        } finally {
          deadline.cancel(false);
        }
        if (req == null || !transition(c, true)) {
          return;
        }
        answer(ch, handler.handle(req));
        if (!transition(c, false)) {
          return;
        }
      }
    } catch (IOException e) {
      log.debug("control connection ended: {}", e.toString());
    } finally {
      synchronized (open) {
        open.remove(c);
      }
    }
  }

  /** Marks {@code c} busy or waiting; false if it was closed to make room (stop serving it). */
  private boolean transition(Connection c, boolean busy) {
    synchronized (open) {
      if (c.evicted) {
        return false;
      }
      c.busy = busy;
      c.waitingSince = System.nanoTime();
      return true;
    }
  }

  /** Writes {@code response}, or an error if it is too large; gives up after the write timeout. */
  private void answer(SocketChannel ch, Map<String, Object> response) throws IOException {
    Future<?> deadline = closeAfter(ch, limits.writeTimeout(), "answer not read");
    try {
      try {
        Frames.write(ch, response, Frames.MAX_RESPONSE);
      } catch (Frames.FrameTooLargeException e) {
        Frames.write(
            ch,
            RequestHandler.error(
                "the answer is more than the control protocol carries ("
                    + e.limit()
                    + " bytes); ask for less (a narrower prefix, --limit)",
                1),
            Frames.MAX_RESPONSE);
      }
    } finally {
      deadline.cancel(false);
    }
  }

  /** Closes {@code ch} after {@code timeout} unless the returned future is cancelled first. */
  private Future<?> closeAfter(SocketChannel ch, Duration timeout, String why) {
    try {
      return deadlines.schedule(
          () -> {
            log.debug("closing a control connection: {} within {}", why, timeout);
            closeQuietly(ch);
          },
          timeout.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException serverClosed) {
      closeQuietly(ch);
      return CompletableFuture.completedFuture(null);
    }
  }

  /** The peer's user name; "" if the platform cannot tell. */
  private static String peerUser(SocketChannel c) {
    try {
      UnixDomainPrincipal p = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
      return p.user().getName();
    } catch (IOException | UnsupportedOperationException e) {
      return "";
    }
  }

  private boolean allowed(String user) {
    // Unknown (""): the socket file's 0600 mode inside a 0700 directory already restricts who can
    // connect.
    return user.isEmpty() || user.equals(owner.getName()) || user.equals("root");
  }

  /** How many connections are open now. */
  int openConnections() {
    synchronized (open) {
      return open.size();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(server);
    synchronized (open) {
      for (Connection c : open) {
        closeQuietly(c.ch);
      }
    }
    workers.shutdown();
    deadlines.shutdownNow();
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
