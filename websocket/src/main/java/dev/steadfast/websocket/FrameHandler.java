package dev.steadfast.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.PrematureChannelClosureException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket side of a connection: control frames, the JSON protocol (subscribe, unsubscribe, publish, ping) and
 * the mapping of every framing error to its close code and {@link CloseReason}.
 */
final class FrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHub.class);
    private static final String OPS = "subscribe, unsubscribe, publish, ping";
    /** Epochs are short generated words; a longer one is not an epoch the broker handed out. */
    private static final int MAX_EPOCH_LENGTH = 64;

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
            connection.pingReceived(frame.content());
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
        JsonNode sinceNode = message.get("since");
        StreamPosition since = null;
        if (sinceNode != null && !sinceNode.isNull()) {
            since = since(sinceNode, id);
            if (since == null) {
                return;
            }
        }
        if (connection.isSubscribed(topic)) {
            // Already receiving the topic live: nothing to recover, and no second position read.
            connection.reply(core.frames.reply("subscribed", id, topic));
            return;
        }
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
        if (!core.history) {
            ObjectNode reply = subscribedReply(id, topic);
            if (since != null) {
                reply.put("recovered", false);
            }
            connection.reply(core.frames.json(reply));
            return;
        }
        readPosition(topic, since, id);
    }

    /**
     * Holds the topic's live messages while its history is read, then answers {@code subscribed} with the position
     * (and {@code recovered}), sends the recovered publications and the held live ones after them, without
     * duplicates: the broker reads after its subscription is active, and held messages at or below what was read are
     * dropped.
     */
    private void readPosition(String topic, StreamPosition since, JsonNode id) {
        connection.holdLive(topic);
        CompletionStage<Recovery> read;
        try {
            read = core.settings.broker().recover(topic, since);
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((recovery, failure) -> {
            try {
                connection.channel.eventLoop().execute(() -> positionRead(topic, since, id, recovery, failure));
            } catch (RejectedExecutionException e) {
                // The event loop is shutting down and closes this connection; nothing is left to answer.
            }
        });
    }

    private void positionRead(String topic, StreamPosition since, JsonNode id, Recovery recovery, Throwable failure) {
        if (!connection.isHolding(topic)) {
            return;  // unsubscribed or closed while the history was read
        }
        if (failure != null) {
            connection.unsubscribe(topic);
            if (HubCore.brokerRefusal(failure) instanceof BrokerException refusal) {
                LOG.debug("{}: could not read the history of '{}': {}", connection, topic, refusal.getMessage());
                error(refusal.code(), refusal.getMessage(), id);
            } else {
                LOG.warn("{}: could not read the history of '{}'", connection, topic, failure);
                error("subscribe_failed", "the message broker could not read the topic's history", id);
            }
            return;
        }
        StreamPosition position = recovery.position();
        ObjectNode reply = subscribedReply(id, topic);
        if (position != null) {
            reply.put("offset", position.offset());
            reply.put("epoch", position.epoch());
        }
        if (since != null) {
            reply.put("recovered", recovery.recovered());
        }
        connection.reply(core.frames.json(reply));
        StreamPosition sent = position;
        if (recovery.recovered()) {
            for (Recovery.Publication publication : recovery.publications()) {
                if (publication.offset() > since.offset()) {
                    StreamPosition at = new StreamPosition(publication.offset(), position.epoch());
                    connection.deliver(core.frames.message(topic, publication.payload(), at));
                    sent = at.offset() > sent.offset() ? at : sent;
                }
            }
        }
        connection.releaseHeld(topic, sent);
    }

    private ObjectNode subscribedReply(JsonNode id, String topic) {
        ObjectNode reply = core.frames.object();
        reply.put("op", "subscribed");
        if (id != null) {
            reply.set("id", id);
        }
        reply.put("topic", topic);
        return reply;
    }

    /** The {@code since} position, or null after answering with an error frame. */
    private StreamPosition since(JsonNode since, JsonNode id) {
        JsonNode offset = since.get("offset");
        JsonNode epoch = since.get("epoch");
        if (!since.isObject() || offset == null || !offset.canConvertToLong() || !offset.isIntegralNumber()
                || offset.asLong() < 0 || epoch == null || !epoch.isTextual() || epoch.asText().isEmpty()
                || epoch.asText().length() > MAX_EPOCH_LENGTH) {
            error("bad_request", "\"since\" must be {\"offset\":<the last offset you received, >= 0>,"
                    + "\"epoch\":\"<its epoch>\"} as sent in message frames", id);
            return null;
        }
        return new StreamPosition(offset.asLong(), epoch.asText());
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
            } else if (HubCore.brokerRefusal(failure) instanceof PublishRefusedException refused) {
                error(refused.code(), refused.getMessage(), id);
            } else if (HubCore.brokerRefusal(failure) instanceof BrokerException refusal) {
                // Expected while the backend is down or slow: one line per publish would flood the log.
                LOG.debug("{}: broker refused a message for topic '{}': {}", connection, topic, refusal.getMessage());
                error(refusal.code(), refusal.getMessage(), id);
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
            if (reason == CloseReason.PROTOCOL_VIOLATION && !connection.isClosing()) {
                core.events.report(ClientEvents.Kind.PROTOCOL_VIOLATION, connection.remoteAddress,
                        cause.getMessage() + "; closed with " + status.code());
            }
            connection.closeWith(status.code(), status.reasonText(), reason);
        } else if (cause instanceof TooLongFrameException) {
            connection.closeWith(CloseCodes.MESSAGE_TOO_BIG, "message over " + core.config.maxMessageSize()
                    + " bytes", CloseReason.MESSAGE_TOO_BIG);
        } else if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            // The client reset the socket or closed it in the middle of a fragmented message: its doing, counted
            // by the close reason, not worth a line each.
            connection.recordReason(CloseReason.CONNECTION_LOST);
            ctx.close();
        } else {
            LOG.warn("{} failed", connection, cause);
            connection.closeWith(CloseCodes.INTERNAL_ERROR, "internal error", CloseReason.ERROR);
        }
    }
}
