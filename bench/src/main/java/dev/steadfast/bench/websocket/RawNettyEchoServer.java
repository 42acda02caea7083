package dev.steadfast.bench.websocket;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The baseline the WebSocket benchmark compares against: the smallest WebSocket server a user would write with
 * raw Netty — {@code HttpServerCodec}, {@code HttpObjectAggregator}, {@code WebSocketServerProtocolHandler} on
 * {@code /ws}, and one handler that echoes text frames.
 *
 * <p>It has no authentication, heartbeat, limits, per-connection registry or topics. For the fan-out comparison
 * it understands two text frames: {@code join} (adds the channel to one {@link ChannelGroup}, answers
 * {@code joined}) and {@code broadcast:<text>} (writes {@code <text>} to every joined channel); anything else is
 * echoed.
 *
 * <pre>{@code
 * try (RawNettyEchoServer server = RawNettyEchoServer.start(new InetSocketAddress("127.0.0.1", 0), 2)) {
 *   int port = server.port();
 * }
 * }</pre>
 */
public final class RawNettyEchoServer implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 64 * 1024;

  private final EventLoopGroup bossGroup;
  private final EventLoopGroup workerGroup;
  private final Channel serverChannel;
  private final ChannelGroup joined;
  private final AtomicInteger openChannels;

  private RawNettyEchoServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, Channel serverChannel,
      ChannelGroup joined, AtomicInteger openChannels) {
    this.bossGroup = bossGroup;
    this.workerGroup = workerGroup;
    this.serverChannel = serverChannel;
    this.joined = joined;
    this.openChannels = openChannels;
  }

  /**
   * Binds and returns once listening.
   *
   * @param address where to listen; port 0 picks a free port
   * @param ioThreads event-loop threads for the accepted channels
   * @return the running server
   * @throws InterruptedException if interrupted while binding
   */
  public static RawNettyEchoServer start(InetSocketAddress address, int ioThreads) throws InterruptedException {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("raw-echo-accept", true),
        NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(ioThreads,
        new DefaultThreadFactory("raw-echo-io", true), NioIoHandler.newFactory());
    ChannelGroup joined = new DefaultChannelGroup("raw-echo-joined", GlobalEventExecutor.INSTANCE);
    AtomicInteger open = new AtomicInteger();
    EchoHandler echo = new EchoHandler(joined, open);
    try {
      Channel channel = new ServerBootstrap()
          .group(boss, workers)
          .channel(NioServerSocketChannel.class)
          .option(io.netty.channel.ChannelOption.SO_BACKLOG, 4096)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_MESSAGE_BYTES),
                  new WebSocketServerProtocolHandler("/ws", null, false, MAX_MESSAGE_BYTES), echo);
            }
          })
          .bind(address).sync().channel();
      return new RawNettyEchoServer(boss, workers, channel, joined, open);
    } catch (InterruptedException | RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** Returns the port it listens on. */
  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** Returns the number of open accepted channels (the baseline's equivalent of a connection registry). */
  public int openChannels() {
    return openChannels.get();
  }

  @Override
  public void close() {
    serverChannel.close().syncUninterruptibly();
    joined.close().awaitUninterruptibly();
    workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @ChannelHandler.Sharable
  private static final class EchoHandler extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    private final ChannelGroup joined;
    private final AtomicInteger open;

    EchoHandler(ChannelGroup joined, AtomicInteger open) {
      this.joined = joined;
      this.open = open;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      open.incrementAndGet();
      super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      open.decrementAndGet();
      super.channelInactive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      String text = frame.text();
      if ("join".equals(text)) {
        joined.add(ctx.channel());
        ctx.writeAndFlush(new TextWebSocketFrame("joined"));
      } else if (text.startsWith("broadcast:")) {
        joined.writeAndFlush(new TextWebSocketFrame(text.substring("broadcast:".length())));
      } else {
        ctx.writeAndFlush(new TextWebSocketFrame(text));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
