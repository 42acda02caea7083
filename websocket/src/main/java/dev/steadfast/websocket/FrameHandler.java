package dev.steadfast.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket side of a connection: control frames, the JSON protocol (subscribe, unsubscribe, publish, ping) and
 * the mapping of every framing error to its close code and {@link CloseReason}.
 */
final class FrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHub.class);
    private static final String OPS = "subscribe, unsubscribe, publish, ping";

    private final HubCore core;
    private final Connection connection;

    FrameHandler(HubCore core, Connection connection) {
        this.core = core;
        this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        connection.frameReceived();
        if (frame instanceof TextWebSocketFrame) {
            int size = frame.content().readableBytes();
            core.counters.messagesIn.increment();
            core.counters.bytesIn.add(size);
            if (!connection.isClosing()) {
                handle(ByteBufUtil.getBytes(frame.content()));
            }
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof PongWebSocketFrame) {
            // Liveness only: frameReceived() above already reset the idle clock.
        } else if (frame instanceof CloseWebSocketFrame close) {
            connection.clientClosed(close);
        } else if (frame instanceof BinaryWebSocketFrame) {
            core.counters.messagesIn.increment();
            core.counters.bytesIn.add(frame.content().readableBytes());
            connection.closeWith(CloseCodes.UNSUPPORTED_DATA, "binary frames are not supported; send JSON text",
                    CloseReason.UNSUPPORTED_DATA);
        } else {
            connection.closeWith(WebSocketCloseStatus.PROTOCOL_ERROR.code(), "unexpected continuation frame",
                    CloseReason.PROTOCOL_VIOLATION);
        }
    }

    private void handle(byte[] text) {
        JsonNode message;
        try {
            message = core.frames.parse(text);
        } catch (JsonProcessingException e) {
            error("invalid_json", "message is not valid JSON: " + e.getOriginalMessage(), null);
            return;
        } catch (IOException e) {
            error("invalid_json", "message is not valid JSON", null);
            return;
        }
        if (message == null || !message.isObject()) {
            error("bad_request", "a message must be a JSON object such as {\"op\":\"ping\"}", null);
            return;
        }
        JsonNode id = message.get("id");
        if (id != null && id.isContainerNode()) {
            error("bad_request", "id must be a string or a number", null);
            return;
        }
        JsonNode op = message.get("op");
        if (op == null || !op.isTextual()) {
            error("bad_request", "missing \"op\"; expected one of " + OPS, id);
            return;
        }
        switch (op.asText()) {
            case "subscribe" -> subscribe(message, id);
            case "unsubscribe" -> unsubscribe(message, id);
            case "publish" -> publish(message, id);
            case "ping" -> connection.reply(core.frames.reply("pong", id, null));
            default -> error("unknown_op", "unknown op '" + abbreviate(op.asText()) + "'; expected one of " + OPS,
                    id);
        }
    }

    private void subscribe(JsonNode message, JsonNode id) {
        String topic = topic(message, id);
        if (topic == null) {
            return;
        }
        if (!connection.grants().maySubscribe(topic)) {
            error("forbidden", "your token does not allow subscribing to '" + topic + "'", id);
            return;
        }
        if (!connection.isSubscribed(topic)) {
            if (connection.subscriptionCount() >= core.config.maxSubscriptionsPerConnection()) {
                error("subscription_limit", "subscription limit of " + core.config.maxSubscriptionsPerConnection()
                        + " topics reached; unsubscribe first", id);
                return;
            }
            try {
                connection.subscribe(topic);
            } catch (RuntimeException e) {
                LOG.warn("{}: broker refused a subscription to '{}'", connection, topic, e);
                error("subscribe_failed", "the message broker refused the subscription", id);
                return;
            }
        }
        connection.reply(core.frames.reply("subscribed", id, topic));
    }

    private void unsubscribe(JsonNode message, JsonNode id) {
        String topic = topic(message, id);
        if (topic == null) {
            return;
        }
        connection.unsubscribe(topic);
        connection.reply(core.frames.reply("unsubscribed", id, topic));
    }

    private void publish(JsonNode message, JsonNode id) {
        String topic = topic(message, id);
        if (topic == null) {
            return;
        }
        if (!connection.grants().mayPublish(topic)) {
            error("forbidden", "your token does not allow publishing on '" + topic + "'", id);
            return;
        }
        JsonNode payload = message.get("payload");
        if (payload == null) {
            error("bad_request", "publish needs a \"payload\" (any JSON value)", id);
            return;
        }
        core.publish(topic, core.frames.json(payload)).whenComplete((ignored, failure) -> {
            if (failure == null) {
                connection.reply(core.frames.reply("ack", id, topic));
            } else {
                LOG.warn("{}: broker refused a message for topic '{}'", connection, topic, failure);
                error("publish_failed", "the message broker did not accept the message", id);
            }
        });
    }

    /** The message's valid topic, or null after answering with an error frame. */
    private String topic(JsonNode message, JsonNode id) {
        JsonNode topic = message.get("topic");
        if (topic == null || !topic.isTextual()) {
            error("bad_request", "missing \"topic\" (a string)", id);
            return null;
        }
        String problem = Frames.topicProblem(topic.asText());
        if (problem != null) {
            error("invalid_topic", problem, id);
            return null;
        }
        return topic.asText();
    }

    private void error(String code, String message, JsonNode id) {
        connection.reply(core.frames.error(code, message, id));
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupted) {
            WebSocketCloseStatus status = corrupted.closeStatus();
            CloseReason reason = status.code() == CloseCodes.MESSAGE_TOO_BIG
                    ? CloseReason.MESSAGE_TOO_BIG : CloseReason.PROTOCOL_VIOLATION;
            LOG.debug("{}: {}", connection, cause.getMessage());
            connection.closeWith(status.code(), status.reasonText(), reason);
        } else if (cause instanceof TooLongFrameException) {
            connection.closeWith(CloseCodes.MESSAGE_TOO_BIG, "message over " + core.config.maxMessageSize()
                    + " bytes", CloseReason.MESSAGE_TOO_BIG);
        } else if (cause instanceof IOException) {
            connection.recordReason(CloseReason.CONNECTION_LOST);
            ctx.close();
        } else {
            LOG.warn("{} failed", connection, cause);
            connection.closeWith(CloseCodes.INTERNAL_ERROR, "internal error", CloseReason.ERROR);
        }
    }
}
