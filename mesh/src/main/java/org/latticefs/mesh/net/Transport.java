package org.latticefs.mesh.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.HostPort;
import org.latticefs.mesh.MeshException;
import org.latticefs.mesh.tls.TlsContexts;
import org.latticefs.mesh.wire.Frames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP connections with TLS for the mesh, on Netty's NIO transport: a listener for peers that dial
 * this node and connections this node dials. Every channel gets the same pipeline: TLS ({@link
 * TlsContexts}), {@link Frames}, an idle check (a ping after {@value #PING_SECONDS} s without
 * writing, close after {@value #SILENT_SECONDS} s without reading) and a {@link Session}. Buffers
 * come from a pooled heap allocator (frames may be large; the daemon's direct memory is small);
 * writes past the high-water mark make the channel unwritable, which is what senders wait on.
 *
 * <p>Thread-safe. {@link #close} closes the listener and every channel and stops the threads.
 */
public final class Transport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
  static final int PING_SECONDS = 20;
  static final int SILENT_SECONDS = 75;
  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int TLS_TIMEOUT_MS = 10_000;
  private static final WriteBufferWaterMark WATER_MARK =
      new WriteBufferWaterMark(256 << 10, 1 << 20);

  private final TlsContexts tls;
  private final SessionHost host;
  private final EventLoopGroup group;
  private final PooledByteBufAllocator alloc = new PooledByteBufAllocator(false);
  private volatile Channel server;

  public Transport(TlsContexts tls, SessionHost host, int threads) {
    this.tls = tls;
    this.host = host;
    this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
  }

  /**
   * Listens on {@code at} (port 0: any free port); returns the address bound.
   *
   * @throws MeshException if the address cannot be bound (in use, not local)
   */
  public HostPort listen(HostPort at) throws MeshException {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.ALLOCATOR, alloc)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(initializer(true, () -> Session.inbound(host), null));
    ChannelFuture f = b.bind(new InetSocketAddress(at.host(), at.port())).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new MeshException(
          "cannot listen on " + at + ": " + f.cause().getMessage(), false, f.cause());
    }
    server = f.channel();
    HostPort bound = HostPort.of((InetSocketAddress) server.localAddress());
    LOG.info("listening for peers on {}", bound);
    return bound;
  }

  /**
   * Dials {@code node} at {@code at}; with a non-empty {@code invite}, presents it (a join). The
   * future completes with the admitted session, or fails with a {@link MeshException}.
   */
  public CompletableFuture<Session> dial(NodeId node, HostPort at, byte[] invite) {
    Session session = Session.outbound(host, node, invite);
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.ALLOCATOR, alloc)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
            .handler(initializer(false, () -> session, at));
    ChannelFuture f;
    try {
      f = b.connect(new InetSocketAddress(at.host(), at.port()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new MeshException("cannot connect to " + at + ": " + e.getMessage(), true, e));
    }
    f.addListener(
        done -> {
          if (!done.isSuccess()) {
            session
                .ready()
                .completeExceptionally(
                    new MeshException(
                        "cannot connect to " + at + ": " + done.cause().getMessage(),
                        true,
                        done.cause()));
          }
        });
    return session.ready();
  }

  private ChannelInitializer<SocketChannel> initializer(
      boolean inbound, Supplier<Session> session, HostPort peer) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        SslHandler ssl =
            inbound
                ? tls.server().newHandler(ch.alloc())
                : tls.client().newHandler(ch.alloc(), peer.host(), peer.port());
        ssl.setHandshakeTimeoutMillis(TLS_TIMEOUT_MS);
        ch.pipeline()
            .addLast("tls", ssl)
            .addLast("frames", new Frames())
            .addLast(
                "idle", new IdleStateHandler(SILENT_SECONDS, PING_SECONDS, 0, TimeUnit.SECONDS))
            .addLast("session", session.get());
      }
    };
  }

  /** Stops listening (connections stay). */
  public void stopListening() {
    Channel s = server;
    if (s != null) {
      s.close().awaitUninterruptibly();
      server = null;
    }
  }

  /** Closes the listener, every channel, and the threads (waits up to a few seconds). */
  @Override
  public void close() {
    stopListening();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
