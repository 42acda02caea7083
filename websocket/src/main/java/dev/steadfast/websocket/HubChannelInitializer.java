package dev.steadfast.websocket;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

/** Registers each accepted channel as a {@link Connection} (cleanup hooked first) and installs the HTTP pipeline. */
@ChannelHandler.Sharable
final class HubChannelInitializer extends ChannelInitializer<SocketChannel> {

    static final int MAX_INITIAL_LINE_LENGTH = 8192;
    static final int MAX_HEADER_SIZE = 16384;

    private final HubCore core;

    HubChannelInitializer(HubCore core) {
        this.core = core;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        Connection connection = core.register(channel);
        connection.startHandshakeTimer();
        channel.pipeline()
                .addLast("http-codec", new HttpServerCodec(MAX_INITIAL_LINE_LENGTH, MAX_HEADER_SIZE, 8192))
                .addLast("http-aggregator", new CountingAggregator(connection, core.settings.maxMessageSize()))
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
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
            connection.recordReason(CloseReason.MESSAGE_TOO_BIG);
            super.handleOversizedMessage(ctx, oversized);
        }
    }
}
