package dev.steadfast.websocket;

import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

/** Registers each accepted channel as a {@link Connection} (cleanup hooked first) and installs the HTTP pipeline. */
@ChannelHandler.Sharable
final class HubChannelInitializer extends ChannelInitializer<SocketChannel> {

    static final int MAX_INITIAL_LINE_LENGTH = 8192;
    static final int MAX_HEADER_SIZE = 16384;
    /**
     * Largest single read from a socket, in bytes: the request-headers limit. Netty's default read buffer grows to
     * 64 KiB under a flood; this bound, with {@link ExactCumulator}, keeps the direct memory a connection holds while
     * reading near its partial frame plus one read. Reads adapt between 64 bytes and this size, as Netty's do.
     */
    static final int MAX_READ_BYTES = MAX_HEADER_SIZE;
    static final AdaptiveRecvByteBufAllocator READ_SIZES = new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ_BYTES);

    private final HubCore core;

    HubChannelInitializer(HubCore core) {
        this.core = core;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        Connection connection = core.register(channel);
        if (!connection.takePendingHandshakeSlot()) {
            // Before anything is read or allocated: a flood of silent sockets from one address costs a slot each
            // only up to the cap.
            connection.recordReason(CloseReason.CONNECTION_LIMIT);
            core.events.reportPerAddress(ClientEvents.Kind.PENDING_HANDSHAKE_LIMIT, connection.remoteAddress,
                    "over " + core.config.maxPendingHandshakesPerAddress() + " connections from this address without"
                            + " a complete request; closed (raise maxPendingHandshakesPerAddress if they are"
                            + " legitimate, e.g. behind a proxy)");
            channel.close();
            return;
        }
        Connection oldest = core.pendingHandshakes.oldestOverCap();
        if (oldest != null) {
            oldest.evictPendingHandshake();
        }
        connection.startHandshakeTimer();
        channel.pipeline()
                .addLast("http-codec", new HttpServerCodec(MAX_INITIAL_LINE_LENGTH, MAX_HEADER_SIZE, 8192))
                .addLast("http-aggregator", new CountingAggregator(connection, core.config.maxMessageSize()))
                .addLast("http-handler", new HttpHandler(core, connection));
    }

    /** Records {@link CloseReason#MESSAGE_TOO_BIG} before the aggregator answers 413 and closes. */
    private static final class CountingAggregator extends HttpObjectAggregator {
        private final Connection connection;

        CountingAggregator(Connection connection, int maxContentLength) {
            super(maxContentLength);
            this.connection = connection;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            // Netty's default keeps a keep-alive connection open for the next request; this hub answers one request
            // per connection. Closing with the body still unread would reset the socket and could destroy the
            // response before the client reads it, so only the output is shut: the client sees the end of the
            // response, closes, and the handshake timer bounds a client that does not.
            connection.recordReason(CloseReason.MESSAGE_TOO_BIG);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.copiedBuffer("{\"error\":\"too_large\","
                    + "\"message\":\"request body over " + maxContentLength() + " bytes\"}", StandardCharsets.UTF_8));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpReply.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener((ChannelFutureListener) written ->
                    ((SocketChannel) written.channel()).shutdownOutput());
        }
    }
}
