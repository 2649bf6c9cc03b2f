package org.latticefs.node.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.node.NodeApi;
import org.latticefs.node.config.MetricsListen;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's read-only HTTP server for {@code /metrics} and the status page ({@link Routes} says
 * what it answers): it listens, bounds what clients may hold, and stops.
 *
 * <h2>Bounds</h2>
 *
 * The network side is one non-blocking thread (Netty): connections cost no thread however slowly
 * their clients send, so slow clients (slowloris: headers trickled, a body announced and never
 * sent, idle connections) cannot keep {@code /metrics} from others. Each connection must deliver a
 * request's headers and take its answer within {@value #REQUEST_TIMEOUT_SECONDS} s (then it is
 * closed), headers are limited to {@value #MAX_HEADER_BYTES} bytes (431 past it), bodies are never
 * read into memory, one request is answered at a time per connection, and at most {@value
 * #MAX_CONNECTIONS} connections are open (past that, new ones are closed at once): memory stays
 * below about {@value #MAX_CONNECTIONS} × (headers + one answer, ~100 KiB for a scrape) even when
 * every connection is hostile. Answers are made by {@value #THREADS} threads with a queue of
 * {@value #QUEUE} (past it: 503); a scrape reads counters, one {@code statfs} and the mesh's peer
 * list (a snapshot read of the root store), never waiting for a store's writer, so a scrape waits
 * at most behind a few others. Per connection: {@link HttpConnection}.
 *
 * <p>It binds where {@link MetricsListen} says (loopback by default) and has no authentication.
 */
public final class HttpService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);
  static final int REQUEST_TIMEOUT_SECONDS = 10;
  static final int MAX_CONNECTIONS = 256;
  static final int MAX_HEADER_BYTES = 8192;
  private static final int MAX_LINE_BYTES = 4096;
  private static final int THREADS = 2;
  private static final int QUEUE = 16;

  /** What the status page shows; from the daemon. */
  @FunctionalInterface
  public interface StatusSource {
    NodeApi.Status status() throws IOException;
  }

  private final EventLoopGroup group;
  private final ThreadPoolExecutor answering;
  private final Channel server;

  private HttpService(EventLoopGroup group, ThreadPoolExecutor answering, Channel server) {
    this.group = group;
    this.answering = answering;
    this.server = server;
  }

  /**
   * Starts serving at {@code listen} (not {@link MetricsListen#isOff()}).
   *
   * @throws IOException naming the address if it cannot be bound (in use, not local)
   */
  public static HttpService start(
      MetricsListen listen, PrometheusRegistry registry, StatusSource status) throws IOException {
    return start(listen, registry, status, TimeUnit.SECONDS.toMillis(REQUEST_TIMEOUT_SECONDS));
  }

  /** {@link #start(MetricsListen, PrometheusRegistry, StatusSource)} with another deadline. */
  static HttpService start(
      MetricsListen listen, PrometheusRegistry registry, StatusSource status, long deadline)
      throws IOException {
    Routes routes = new Routes(registry, status);
    ThreadPoolExecutor answering =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            r -> {
              Thread t = new Thread(r, "lattice-http");
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1,
            r -> {
              Thread t = new Thread(r, "lattice-http-io");
              t.setDaemon(true);
              return t;
            },
            NioIoHandler.newFactory());
    AtomicInteger open = new AtomicInteger();
    AtomicLong lastRefusalLog = new AtomicLong();
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 64)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (open.incrementAndGet() > MAX_CONNECTIONS) {
                      open.decrementAndGet();
                      long now = System.nanoTime();
                      long last = lastRefusalLog.get();
                      if (now - last > TimeUnit.MINUTES.toNanos(1)
                          && lastRefusalLog.compareAndSet(last, now)) {
                        LOG.warn(
                            "HTTP server: {} connections open, refusing more", MAX_CONNECTIONS);
                      }
                      ch.close();
                      return;
                    }
                    ch.closeFuture().addListener(f -> open.decrementAndGet());
                    ch.pipeline()
                        .addLast(
                            new HttpServerCodec(MAX_LINE_BYTES, MAX_HEADER_BYTES, 8192),
                            new HttpConnection(routes, answering, deadline));
                  }
                });
    Channel server;
    try {
      server = b.bind(listen.socketAddress()).syncUninterruptibly().channel();
    } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      answering.shutdownNow();
      throw new IOException(
          "cannot serve metrics at " + listen + " (metrics.listen): " + e.getMessage(), e);
    }
    HttpService s = new HttpService(group, answering, server);
    LOG.info("serving metrics and status at http://{}/", s.address());
    return s;
  }

  /** Where it listens (with the actual port when 0 was asked). */
  public String address() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    String host = a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** Stops listening, closes every connection, stops the threads (within about a second). */
  @Override
  public void close() {
    server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    answering.shutdownNow();
  }
}
