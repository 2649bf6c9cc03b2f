package org.latticefs.node.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.latticefs.node.http.Routes.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP connection of the {@link HttpService}: reads requests (decoded by Netty's codec within
 * its header limits), hands each whole request head to the answering threads, writes the answer.
 * Per connection, not shared.
 *
 * <h2>Bounds</h2>
 *
 * <ul>
 *   <li>A request's line and headers must arrive within the deadline from when the connection
 *       opened or its last answer was written, and an answer must be taken by the client within the
 *       deadline; past it the connection is closed. A client that trickles its headers holds only
 *       this connection, never a thread.
 *   <li>The answer is made as soon as the headers are in: a body is never waited for nor kept (its
 *       bytes are dropped as they come), and a request that announced one is answered with {@code
 *       Connection: close}.
 *   <li>One request at a time: reading stops while an answer is made and written, so a connection
 *       holds at most one answer in memory.
 *   <li>Headers over the codec's limits are answered 431 (line: 414, otherwise malformed: 400) and
 *       the connection closed.
 *   <li>When every answering thread is busy and the queue full, the answer is 503 at once.
 * </ul>
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);

  private final Routes routes;
  private final Executor answering;
  private final long deadlineMillis;
  private ScheduledFuture<?> deadline;
  private boolean busy;

  HttpConnection(Routes routes, Executor answering, long deadlineMillis) {
    this.routes = routes;
    this.answering = answering;
    this.deadlineMillis = deadlineMillis;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    arm(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    disarm();
    ctx.fireChannelInactive();
  }

  /** Closes the connection unless something disarms it within the deadline. */
  private void arm(ChannelHandlerContext ctx) {
    disarm();
    deadline = ctx.executor().schedule(() -> ctx.close(), deadlineMillis, TimeUnit.MILLISECONDS);
  }

  private void disarm() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest req && !busy) {
        request(ctx, req);
      }
      // Bodies (HttpContent) and anything sent while an answer is made are dropped.
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void request(ChannelHandlerContext ctx, HttpRequest req) {
    if (req.decoderResult().isFailure()) {
      Throwable why = req.decoderResult().cause();
      int code =
          why instanceof TooLongFrameException
              ? (why.getMessage() != null && why.getMessage().contains("line") ? 414 : 431)
              : 400;
      respond(ctx, req, Reply.text(code, "bad request\n"), false);
      return;
    }
    busy = true;
    // The request is in: making its answer is bounded by the answering threads, not the deadline.
    // Reading stops meanwhile: one request at a time, one answer in memory.
    disarm();
    ctx.channel().config().setAutoRead(false);
    boolean keepAlive = HttpUtil.isKeepAlive(req) && !hasBody(req);
    String method = req.method().name();
    String path = new QueryStringDecoder(req.uri()).path();
    String accept = req.headers().get(HttpHeaderNames.ACCEPT);
    try {
      answering.execute(
          () -> {
            Reply r;
            try {
              r = routes.answer(method, path, accept);
            } catch (IOException | RuntimeException e) {
              LOG.warn("HTTP request {} failed: {}", path, e.toString());
              r = Reply.text(500, "internal error\n");
            }
            Reply reply = r;
            ctx.executor().execute(() -> respond(ctx, req, reply, keepAlive));
          });
    } catch (RejectedExecutionException e) {
      LOG.warn("HTTP server busy: {} answered 503", path);
      Reply r = Reply.text(503, "busy, try again\n");
      respond(
          ctx, req, new Reply(r.code(), r.type(), r.body(), Map.of("Retry-After", "1")), keepAlive);
    }
  }

  private static boolean hasBody(HttpRequest req) {
    return HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
  }

  private void respond(ChannelHandlerContext ctx, HttpRequest req, Reply r, boolean keepAlive) {
    if (!ctx.channel().isActive()) {
      return;
    }
    boolean head = req.method().name().equals("HEAD");
    FullHttpResponse resp =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(r.code()),
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()));
    resp.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, r.type())
        .set(HttpHeaderNames.CONTENT_LENGTH, r.body().length)
        .set("X-Content-Type-Options", "nosniff");
    r.headers().forEach((k, v) -> resp.headers().set(k, v));
    if (!keepAlive) {
      resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    arm(ctx); // the client must take the answer within the deadline
    ctx.writeAndFlush(resp)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess() || !keepAlive) {
                    f.channel().close();
                    return;
                  }
                  busy = false;
                  arm(ctx); // the next request has the deadline again
                  f.channel().config().setAutoRead(true);
                });
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("HTTP connection {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
