package org.latticefs.mesh.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.HostPort;
import org.latticefs.mesh.MeshException;
import org.latticefs.mesh.tls.PeerCertificates;
import org.latticefs.mesh.wire.ErrorCode;
import org.latticefs.mesh.wire.Frames;
import org.latticefs.mesh.wire.Message;
import org.latticefs.mesh.wire.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection with a peer, from the TLS handshake to close: proves who the peer is, exchanges
 * {@link Message.Hello}s, admits or refuses (the accepting side decides and answers {@link
 * Message.Welcome} or {@link Message.Error}), then hands store messages to its {@link SessionHost}.
 *
 * <h2>Guard</h2>
 *
 * Nothing but handshake messages flows before both sides admitted the peer; until then frames are
 * limited to {@link Frames#HANDSHAKE_MAX_FRAME}. Every message after that is checked against the
 * host's active set ({@link SessionHost#stillActive}): a peer revoked meanwhile is cut before the
 * message is used. A peer that breaks the protocol is told why and closed.
 *
 * <p>Not sharable: one per channel. Handler methods run on the channel's event loop; {@link #send}
 * and {@link #close} may be called from any thread.
 */
public final class Session extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(Session.class);

  /** The protocol versions this build speaks. */
  public static final int MIN_VERSION = 1;

  public static final int MAX_VERSION = 1;

  /** How long a connection may take from TCP connect to admitted. */
  static final long HANDSHAKE_TIMEOUT_MS = 15_000;

  private enum State {
    TLS,
    HELLO,
    WELCOME,
    DECIDING,
    UP,
    CLOSED
  }

  private final SessionHost host;
  private final boolean inbound;
  private final NodeId expected;
  private final byte[] invite;
  private final CompletableFuture<Session> ready = new CompletableFuture<>();
  private final AtomicLong pingSentNanos = new AtomicLong();
  private volatile long lastReceivedMillis;
  private volatile long rttNanos = -1;
  private Channel channel;
  private Frames frames;
  private State state = State.TLS;
  private final List<Message> early = new ArrayList<>();
  private static final int MAX_EARLY = 64;
  private volatile NodeId peer;
  private volatile Message.Hello peerHello;
  private volatile List<String> capabilities = List.of();

  private Session(SessionHost host, boolean inbound, NodeId expected, byte[] invite) {
    this.host = host;
    this.inbound = inbound;
    this.expected = expected;
    this.invite = invite;
  }

  /** A session for a connection this node accepted. */
  public static Session inbound(SessionHost host) {
    return new Session(host, true, null, new byte[0]);
  }

  /**
   * A session for a connection this node dials to {@code expected}; with a non-empty {@code
   * invite}, a join that presents that invite secret.
   */
  public static Session outbound(SessionHost host, NodeId expected, byte[] invite) {
    return new Session(host, false, expected, invite.clone());
  }

  /** Completes with this session once admitted both ways, or fails with a {@link MeshException}. */
  public CompletableFuture<Session> ready() {
    return ready;
  }

  /** The peer's node id (null before TLS finished). */
  public NodeId peer() {
    return peer;
  }

  /** What the peer said in its hello (null before). */
  public Message.Hello peerHello() {
    return peerHello;
  }

  /** Whether the peer connected to this node (else this node dialed). */
  public boolean isInbound() {
    return inbound;
  }

  /** The capabilities both sides have. */
  public List<String> capabilities() {
    return capabilities;
  }

  /** When the peer last sent anything (epoch millis; 0 if never). */
  public long lastReceivedMillis() {
    return lastReceivedMillis;
  }

  /** The last ping's round trip in nanoseconds, or -1 before the first pong. */
  public long rttNanos() {
    return rttNanos;
  }

  /** The peer's address as seen on this connection. */
  public Optional<HostPort> remoteAddress() {
    return channel != null && channel.remoteAddress() instanceof InetSocketAddress a
        ? Optional.of(HostPort.of(a))
        : Optional.empty();
  }

  /** Whether the channel takes more writes without queueing past its high-water mark. */
  public boolean isWritable() {
    return channel != null && channel.isWritable();
  }

  /** Pauses (false) or resumes (true) reading from the peer: backpressure on a busy ingest. */
  public void setAutoRead(boolean on) {
    if (channel != null) {
      channel.config().setAutoRead(on);
    }
  }

  /** Whether the connection is open. */
  public boolean isOpen() {
    return channel != null && channel.isActive();
  }

  /** Sends {@code m} (from any thread); the returned future completes when it is written. */
  public ChannelFuture send(Message m) {
    return channel.writeAndFlush(m);
  }

  /** Tells the peer why, then closes (from any thread). */
  public void close(int code, String message) {
    if (channel == null) {
      return;
    }
    channel
        .eventLoop()
        .execute(
            () -> {
              if (channel.isActive()) {
                channel
                    .writeAndFlush(new Message.Error(code, message))
                    .addListener(ChannelFutureListener.CLOSE);
              }
            });
  }

  /** Closes at once, without a word; the future completes when the channel is closed. */
  public ChannelFuture abort() {
    return channel == null ? null : channel.close();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    frames = ctx.pipeline().get(Frames.class);
    channel
        .eventLoop()
        .schedule(
            () -> {
              if (state != State.UP && state != State.CLOSED) {
                fail(
                    new MeshException(
                        "the handshake with "
                            + describe()
                            + " did not finish within "
                            + HANDSHAKE_TIMEOUT_MS / 1000
                            + " s",
                        true));
                channel.close();
              }
            },
            HANDSHAKE_TIMEOUT_MS,
            TimeUnit.MILLISECONDS);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      tlsDone(ctx, done);
    } else if (evt instanceof IdleStateEvent idle) {
      if (idle.state() == IdleState.READER_IDLE) {
        LOG.info("closing the connection with {}: silent for too long", describe());
        ctx.close();
      } else if (idle.state() == IdleState.WRITER_IDLE && state == State.UP) {
        pingSentNanos.set(System.nanoTime());
        ctx.writeAndFlush(new Message.Ping(pingSentNanos.get()));
      }
    }
    super.userEventTriggered(ctx, evt);
  }

  private void tlsDone(ChannelHandlerContext ctx, SslHandshakeCompletionEvent done) {
    if (!done.isSuccess()) {
      fail(
          new MeshException(
              "TLS with " + describe() + " failed: " + done.cause().getMessage(),
              true,
              done.cause()));
      ctx.close();
      return;
    }
    Optional<NodeId> id;
    try {
      id =
          PeerCertificates.peerId(
              ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates());
    } catch (SSLPeerUnverifiedException e) {
      id = Optional.empty();
    }
    if (id.isEmpty()) {
      fail(new MeshException(describe() + " presented no node key", false));
      ctx.close();
      return;
    }
    peer = id.get();
    if (!inbound && !peer.equals(expected)) {
      fail(
          new MeshException(
              "the node at " + describe() + " is " + peer + ", not the expected " + expected,
              false));
      ctx.close();
      return;
    }
    state = State.HELLO;
    Message.Hello mine = host.hello();
    if (!inbound && invite.length > 0) {
      mine =
          new Message.Hello(
              mine.minVersion(),
              mine.maxVersion(),
              mine.name(),
              mine.capabilities(),
              mine.addrs(),
              invite);
    }
    ctx.writeAndFlush(mine);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Message m)) {
      io.netty.util.ReferenceCountUtil.release(msg);
      return;
    }
    lastReceivedMillis = System.currentTimeMillis();
    if (m instanceof Message.Error e) {
      String text = ErrorCode.name(e.code()) + ": " + e.message();
      LOG.info("{} closes the connection: {}", describe(), text);
      fail(
          new MeshException(
              describe() + " refused: " + e.message(),
              e.code() == ErrorCode.SHUTDOWN || e.code() == ErrorCode.INTERNAL));
      ctx.close();
      return;
    }
    if (m instanceof Message.Ping p) {
      ctx.writeAndFlush(new Message.Pong(p.nonce()));
      return;
    }
    if (m instanceof Message.Pong p) {
      if (p.nonce() == pingSentNanos.get()) {
        rttNanos = System.nanoTime() - p.nonce();
      }
      return;
    }
    switch (state) {
      case HELLO -> onHello(ctx, m);
      case WELCOME -> onWelcome(ctx, m);
      case DECIDING -> {
        // The accepting side is up and may already send store data: keep it for after the
        // decision, and read no more meanwhile.
        ctx.channel().config().setAutoRead(false);
        if (early.size() >= MAX_EARLY) {
          protocolError(ctx, "too many messages before this node admitted the peer");
          return;
        }
        early.add(m);
      }
      case UP -> {
        if (!host.stillActive(peer)) {
          refuse(
              ctx,
              ErrorCode.REVOKED,
              "this node no longer counts " + peer + " as an active member");
          return;
        }
        host.received(this, m);
      }
      default ->
          protocolError(
              ctx, "a " + m.getClass().getSimpleName() + " before the TLS handshake finished");
    }
  }

  private void onHello(ChannelHandlerContext ctx, Message m) {
    if (!(m instanceof Message.Hello hello)) {
      protocolError(ctx, "a " + m.getClass().getSimpleName() + " before the hello");
      return;
    }
    peerHello = hello;
    int version = Math.min(MAX_VERSION, hello.maxVersion());
    if (version < Math.max(MIN_VERSION, hello.minVersion())) {
      refuse(
          ctx,
          ErrorCode.VERSION,
          "this node speaks protocol versions "
              + MIN_VERSION
              + ".."
              + MAX_VERSION
              + ", the peer "
              + hello.minVersion()
              + ".."
              + hello.maxVersion()
              + "; upgrade the older one");
      return;
    }
    List<String> common = new ArrayList<>(host.hello().capabilities());
    common.retainAll(hello.capabilities());
    if (!inbound) {
      state = State.WELCOME;
      return;
    }
    state = State.WELCOME; // waiting for our own decision; nothing else may arrive meanwhile
    decide(ctx, host.admitInbound(peer, hello), version, common);
  }

  /** Goes up (the accepting side first welcomes) or refuses, once {@code admission} is known. */
  private void decide(
      ChannelHandlerContext ctx,
      java.util.concurrent.CompletionStage<Admission> admission,
      int version,
      List<String> common) {
    admission.whenComplete(
        (a, error) ->
            ctx.executor()
                .execute(
                    () -> {
                      if (!ctx.channel().isActive()) {
                        return;
                      }
                      if (error != null) {
                        LOG.error("admitting {} failed", describe(), error);
                        refuse(ctx, ErrorCode.INTERNAL, "could not decide: " + error.getMessage());
                      } else if (a instanceof Admission.Refused r) {
                        LOG.info("refusing {}: {}", describe(), r.message());
                        refuse(ctx, r.code(), r.message());
                      } else {
                        if (inbound) {
                          ctx.writeAndFlush(new Message.Welcome(version, common));
                        }
                        goUp(common);
                      }
                    }));
  }

  private void onWelcome(ChannelHandlerContext ctx, Message m) {
    if (inbound || !(m instanceof Message.Welcome w)) {
      protocolError(ctx, "a " + m.getClass().getSimpleName() + " while waiting for the welcome");
      return;
    }
    if (w.version() < MIN_VERSION || w.version() > MAX_VERSION) {
      protocolError(
          ctx, "welcome with protocol version " + w.version() + ", which this node does not speak");
      return;
    }
    List<String> common = new ArrayList<>(w.capabilities());
    common.retainAll(host.hello().capabilities());
    frames.authenticated();
    state = State.DECIDING;
    decide(ctx, host.admitOutbound(peer, peerHello, invite.length > 0), w.version(), common);
  }

  private void goUp(List<String> common) {
    capabilities = List.copyOf(common);
    frames.authenticated();
    state = State.UP;
    host.up(this);
    ready.complete(this);
    if (!early.isEmpty()) {
      List<Message> replay = List.copyOf(early);
      early.clear();
      channel.config().setAutoRead(true);
      for (Message m : replay) {
        if (state != State.UP) {
          return;
        }
        host.received(this, m);
      }
    }
  }

  private void refuse(ChannelHandlerContext ctx, int code, String message) {
    fail(new MeshException(message, false));
    ctx.writeAndFlush(new Message.Error(code, message)).addListener(ChannelFutureListener.CLOSE);
    state = State.CLOSED;
  }

  private void protocolError(ChannelHandlerContext ctx, String what) {
    LOG.warn("protocol error from {}: {}", describe(), what);
    refuse(ctx, ErrorCode.PROTOCOL, what);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (state == State.UP) {
      host.writabilityChanged(this);
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof DecoderException d && d.getCause() instanceof ProtocolException p) {
      protocolError(ctx, p.getMessage());
      return;
    }
    if (cause instanceof IOException) {
      LOG.debug("connection with {}: {}", describe(), cause.toString());
    } else {
      LOG.warn("connection with {} failed", describe(), cause);
    }
    fail(
        new MeshException(
            "connection with " + describe() + ": " + cause.getMessage(), true, cause));
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    boolean wasUp = state == State.UP;
    state = State.CLOSED;
    fail(new MeshException("the connection with " + describe() + " closed", true));
    host.down(this);
    if (wasUp) {
      LOG.info("disconnected from {}", describe());
    }
    super.channelInactive(ctx);
  }

  private void fail(MeshException e) {
    ready.completeExceptionally(e);
  }

  /** The peer's id if known, else its address. */
  public String describe() {
    String addr = remoteAddress().map(HostPort::toString).orElse("?");
    return peer != null ? peer + " (" + addr + ")" : addr;
  }

  @Override
  public String toString() {
    return "Session[" + (inbound ? "in " : "out ") + describe() + " " + state + "]";
  }
}
