package dev.steadfast.bench.websocket;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebSocket load generator: many client connections multiplexed on a few shared Netty event loops (no thread
 * per connection), so one process can hold tens of thousands of connections.
 *
 * <p>Against a loopback target it spreads connections over the source addresses {@code 127.0.0.1} to
 * {@code 127.0.0.<sourceAddresses>}, so churn does not run out of ephemeral ports (each source address has its
 * own ~28,000).
 *
 * <pre>{@code
 * try (LoadGenerator generator = LoadGenerator.create(2)) {
 *   Target target = new Target(URI.create("ws://127.0.0.1:8080/ws"), Map.of("Authorization", "Bearer " + token));
 *   ClientConnection c = generator.connect(target, FrameListener.IGNORE).get();
 * }
 * }</pre>
 */
public final class LoadGenerator implements AutoCloseable {
  /** Default number of client event-loop threads. */
  public static final int DEFAULT_IO_THREADS = 2;
  /** Default number of loopback source addresses connections are spread over. */
  public static final int DEFAULT_SOURCE_ADDRESSES = 8;

  private static final int MAX_FRAME_BYTES = 1024 * 1024;
  private static final long HANDSHAKE_TIMEOUT_MILLIS = 30_000;

  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  private final int sourceAddresses;
  private final AtomicInteger nextSource = new AtomicInteger();

  private LoadGenerator(EventLoopGroup group, int sourceAddresses) {
    this.group = group;
    this.sourceAddresses = sourceAddresses;
    this.bootstrap = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) HANDSHAKE_TIMEOUT_MILLIS);
  }

  /**
   * Creates a generator with its own event loops.
   *
   * @param ioThreads number of event-loop threads (at least 1)
   * @return the generator; close it to stop its threads
   */
  public static LoadGenerator create(int ioThreads) {
    return create(ioThreads, DEFAULT_SOURCE_ADDRESSES);
  }

  /**
   * Creates a generator with its own event loops.
   *
   * @param ioThreads number of event-loop threads (at least 1)
   * @param sourceAddresses loopback source addresses to spread connections over (1 to 254)
   * @return the generator; close it to stop its threads
   */
  public static LoadGenerator create(int ioThreads, int sourceAddresses) {
    if (ioThreads < 1) {
      throw new IllegalArgumentException("ioThreads must be at least 1: " + ioThreads);
    }
    if (sourceAddresses < 1 || sourceAddresses > 254) {
      throw new IllegalArgumentException("sourceAddresses must be between 1 and 254: " + sourceAddresses);
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads,
        new DefaultThreadFactory("loadgen-io", true), NioIoHandler.newFactory());
    return new LoadGenerator(group, sourceAddresses);
  }

  /**
   * Where to connect and with which handshake headers.
   *
   * @param uri the WebSocket URI, e.g. {@code ws://127.0.0.1:8080/ws?token=...}
   * @param headers extra handshake headers (e.g. Authorization, Origin)
   */
  public record Target(URI uri, Map<String, String> headers) {
    /** Validates and copies. */
    public Target {
      if (!"ws".equals(uri.getScheme())) {
        throw new IllegalArgumentException("uri must be a ws:// URI: " + uri);
      }
      headers = Map.copyOf(headers);
    }
  }

  /**
   * Opens one connection and completes once the WebSocket handshake did.
   *
   * @param target where to connect
   * @param listener receives text frames on the event loop
   * @return completes with the open connection, or exceptionally if connect or handshake failed
   */
  public CompletableFuture<ClientConnection> connect(Target target, FrameListener listener) {
    CompletableFuture<ClientConnection> connected = new CompletableFuture<>();
    HttpHeaders headers = new DefaultHttpHeaders();
    target.headers().forEach(headers::add);
    WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(target.uri())
        .customHeaders(headers)
        .maxFramePayloadLength(MAX_FRAME_BYTES)
        .handleCloseFrames(false)
        .dropPongFrames(true)
        .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS)
        .build();
    ClientHandler handler = new ClientHandler(connected, listener);
    Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_FRAME_BYTES),
            new WebSocketClientProtocolHandler(config), handler);
      }
    });
    int port = target.uri().getPort() == -1 ? 80 : target.uri().getPort();
    InetSocketAddress remote = new InetSocketAddress(target.uri().getHost(), port);
    ChannelFuture future = remote.getAddress() != null && remote.getAddress().isLoopbackAddress()
        ? b.connect(remote, nextLoopbackSource())
        : b.connect(remote);
    future.addListener(f -> {
      if (!f.isSuccess()) {
        connected.completeExceptionally(f.cause());
      }
    });
    return connected;
  }

  private InetSocketAddress nextLoopbackSource() {
    int index = Math.floorMod(nextSource.getAndIncrement(), sourceAddresses);
    try {
      return new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (index + 1)}), 0);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("cannot build loopback address 127.0.0." + (index + 1), e);
    }
  }

  /**
   * Opens {@code count} connections with at most {@code concurrency} handshakes in flight.
   *
   * @param target where to connect
   * @param count how many
   * @param concurrency handshakes in flight at most
   * @param listener receives text frames
   * @return the open connections, in completion order
   * @throws Exception if any connection failed (the opened ones are reset first)
   */
  public List<ClientConnection> openMany(Target target, int count, int concurrency, FrameListener listener)
      throws Exception {
    List<ClientConnection> opened = new ArrayList<>(count);
    Semaphore permits = new Semaphore(concurrency);
    CompletableFuture<Void> firstFailure = new CompletableFuture<>();
    for (int i = 0; i < count && !firstFailure.isDone(); i++) {
      permits.acquire();
      connect(target, listener).whenComplete((c, error) -> {
        if (error != null) {
          firstFailure.completeExceptionally(error);
        } else {
          synchronized (opened) {
            opened.add(c);
          }
        }
        permits.release();
      });
    }
    permits.acquire(concurrency);
    permits.release(concurrency);
    if (firstFailure.isCompletedExceptionally()) {
      synchronized (opened) {
        opened.forEach(ClientConnection::reset);
      }
      firstFailure.get();
    }
    return opened;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
