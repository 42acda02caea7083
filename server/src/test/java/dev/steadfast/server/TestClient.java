package dev.steadfast.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real WebSocket client for the integration tests; one shared event loop, closed with the test. */
final class TestClient implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("test-ws-client", true), NioIoHandler.newFactory());
  private final List<Connection> connections = new ArrayList<>();

  /** One open WebSocket: received text frames in a queue, and the server's close code. */
  static final class Connection {
    final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    final Queue<String> received = new ConcurrentLinkedQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    Channel channel;

    void send(String text) {
      channel.writeAndFlush(new TextWebSocketFrame(text));
    }

    /** Waits for the first not-yet-taken frame that matches. */
    String await(Predicate<String> match, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        String frame = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (frame == null) {
          throw new AssertionError("no matching frame within " + timeout + "; received so far: " + received);
        }
        if (match.test(frame)) {
          return frame;
        }
      }
    }
  }

  Connection connect(int port, String token) throws Exception {
    Connection connection = new Connection();
    CompletableFuture<Void> handshake = new CompletableFuture<>();
    DefaultHttpHeaders headers = new DefaultHttpHeaders();
    headers.add("Authorization", "Bearer " + token);
    WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(URI.create("ws://127.0.0.1:" + port + "/ws"))
        .customHeaders(headers)
        .handleCloseFrames(false)
        .handshakeTimeoutMillis(10_000)
        .build();
    Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                new WebSocketClientProtocolHandler(config), new SimpleChannelInboundHandler<WebSocketFrame>() {
                  @Override
                  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                    if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                      handshake.complete(null);
                    }
                  }

                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
                    if (frame instanceof TextWebSocketFrame text) {
                      connection.received.add(text.text());
                      connection.frames.add(text.text());
                    } else if (frame instanceof CloseWebSocketFrame close) {
                      connection.closeCode.complete(close.statusCode());
                      ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), ""))
                          .addListener(ChannelFutureListener.CLOSE);
                    }
                  }

                  @Override
                  public void channelInactive(ChannelHandlerContext ctx) {
                    handshake.completeExceptionally(new IOException("closed before the handshake completed"));
                    connection.closeCode.complete(1006);
                  }

                  @Override
                  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    handshake.completeExceptionally(cause);
                    ctx.close();
                  }
                });
          }
        })
        .connect("127.0.0.1", port).sync().channel();
    connection.channel = channel;
    synchronized (connections) {
      connections.add(connection);
    }
    handshake.get(15, TimeUnit.SECONDS);
    return connection;
  }

  @Override
  public void close() {
    synchronized (connections) {
      connections.forEach(c -> c.channel.close());
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
