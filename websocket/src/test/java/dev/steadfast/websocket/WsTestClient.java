package dev.steadfast.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A real WebSocket client (Netty's client handshaker) for the integration tests, with knobs to misbehave. */
final class WsTestClient implements AutoCloseable {

    /** Without Jackson's per-thread buffer cache, so the tests' own parsing leaves no ThreadLocal behind. */
    static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.newConcurrentDequePool()).build());

    final Channel channel;
    private final Handler handler;

    private WsTestClient(Channel channel, Handler handler) {
        this.channel = channel;
        this.handler = handler;
    }

    static WsTestClient connect(EventLoopGroup group, int port, String token) throws Exception {
        return connect(group, port, "/ws", Map.of("Authorization", "Bearer " + token), false);
    }

    /**
     * Opens a WebSocket; {@code smallReceiveBuffer} makes a client that stops reading fill up quickly.
     *
     * @throws Exception the handshake failure (e.g. WebSocketClientHandshakeException carrying the HTTP status)
     */
    static WsTestClient connect(EventLoopGroup group, int port, String pathAndQuery, Map<String, String> headers,
                                boolean smallReceiveBuffer) throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + port + pathAndQuery);
        HttpHeaders httpHeaders = new DefaultHttpHeaders();
        headers.forEach(httpHeaders::set);
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                uri, WebSocketVersion.V13, null, false, httpHeaders, 1 << 24);
        Handler handler = new Handler(handshaker);
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), handler);
                    }
                });
        if (smallReceiveBuffer) {
            bootstrap.option(ChannelOption.SO_RCVBUF, 4096);
        }
        try {
            Channel channel = bootstrap.connect("127.0.0.1", port).sync().channel();
            try {
                handler.handshake.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                channel.close().syncUninterruptibly();
                throw (Exception) e.getCause();
            }
            return new WsTestClient(channel, handler);
        } finally {
            // Netty's client handshaker caches buffers in a ThreadLocal of the calling (test) thread.
            FastThreadLocal.removeAll();
        }
    }

    void send(String text) {
        // Encoded here: Netty's String constructor caches an encoder in a ThreadLocal of the calling test thread.
        send(new TextWebSocketFrame(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))));
    }

    void send(WebSocketFrame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
    }

    /** Sends one JSON op and returns the next frame the server sends. */
    JsonNode request(String json) throws Exception {
        send(json);
        return next();
    }

    /** The next text frame as JSON; fails after 10 s. */
    JsonNode next() throws Exception {
        String text = handler.texts.poll(10, TimeUnit.SECONDS);
        if (text == null) {
            throw new AssertionError("no frame from the server within 10 s");
        }
        return JSON.readTree(text);
    }

    /** The next text frame if one arrives within {@code millis}, else null. */
    JsonNode nextWithin(long millis) throws Exception {
        String text = handler.texts.poll(millis, TimeUnit.MILLISECONDS);
        return text == null ? null : JSON.readTree(text);
    }

    /** The status code of the server's close frame; fails after 10 s. */
    int awaitCloseCode() throws Exception {
        return handler.closeCode.get(10, TimeUnit.SECONDS);
    }

    String closeReasonText() {
        return handler.closeReason;
    }

    boolean awaitDisconnected() {
        return channel.closeFuture().awaitUninterruptibly(10_000);
    }

    void answerPings(boolean answer) {
        handler.answerPings = answer;
    }

    int pingsReceived() {
        return handler.pings.get();
    }

    /** Vanishes: closes TCP without a close frame (FIN). */
    void vanish() {
        channel.close().syncUninterruptibly();
    }

    /** Vanishes abruptly: TCP reset (SO_LINGER 0) without a close frame. */
    void reset() {
        channel.config().setOption(ChannelOption.SO_LINGER, 0);
        channel.close().syncUninterruptibly();
    }

    /** Sends a close frame and waits until the server has closed the connection. */
    void closeNormally() {
        channel.writeAndFlush(new CloseWebSocketFrame(1000, "bye")).syncUninterruptibly();
        awaitDisconnected();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        private final WebSocketClientHandshaker handshaker;
        final CompletableFuture<Void> handshake = new CompletableFuture<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final AtomicInteger pings = new AtomicInteger();
        volatile boolean answerPings = true;
        volatile String closeReason;

        Handler(WebSocketClientHandshaker handshaker) {
            this.handshaker = handshaker;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            handshaker.handshake(ctx.channel());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            handshake.completeExceptionally(new IllegalStateException("connection closed during the handshake"));
            closeCode.completeExceptionally(new IllegalStateException("closed without a close frame"));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object message) {
            if (!handshaker.isHandshakeComplete()) {
                try {
                    handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) message);
                    handshake.complete(null);
                } catch (RuntimeException e) {
                    handshake.completeExceptionally(e);
                }
                return;
            }
            if (message instanceof TextWebSocketFrame text) {
                texts.add(text.text());
            } else if (message instanceof PingWebSocketFrame ping) {
                pings.incrementAndGet();
                if (answerPings) {
                    ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                }
            } else if (message instanceof CloseWebSocketFrame close) {
                closeReason = close.reasonText();
                closeCode.complete(close.statusCode());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            handshake.completeExceptionally(cause);
            ctx.close();
        }
    }
}
