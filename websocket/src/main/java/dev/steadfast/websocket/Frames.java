package dev.steadfast.websocket;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Encodes and decodes the hub's JSON frames (the protocol is documented in the module README). */
final class Frames {

    /**
     * Jackson's default buffer recycling keeps a ThreadLocal on every thread that parses or writes, including
     * callers of {@link WebSocketHub#publish}; a shared pool leaves nothing on anyone's thread.
     */
    private final ObjectMapper mapper = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.newConcurrentDequePool())
            .build());

    JsonNode parse(byte[] json) throws IOException {
        return mapper.readTree(json);
    }

    JsonNode parse(String json) throws IOException {
        return mapper.readTree(json);
    }

    /**
     * {@code {"op":"message","topic":...,"offset":..,"epoch":..,"payload":<payload>}} (offset and epoch only when
     * {@code position} is not null), encoded once per publish and shared by all.
     */
    byte[] message(String topic, String payload, StreamPosition position) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(payload.length() + topic.length() + 40);
             JsonGenerator generator = mapper.getFactory().createGenerator(out)) {
            generator.writeStartObject();
            generator.writeStringField("op", "message");
            generator.writeStringField("topic", topic);
            if (position != null) {
                generator.writeNumberField("offset", position.offset());
                generator.writeStringField("epoch", position.epoch());
            }
            generator.writeFieldName("payload");
            generator.writeRawValue(payload);
            generator.writeEndObject();
            generator.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode a message frame for topic " + topic, e);
        }
    }

    /**
     * {@code {"op":"error","code":"recovery_failed","topic":...,"message":...}}: this node missed messages of the
     * topic (its broker connection was down) that the history no longer holds; the client should reload the topic's
     * state. Live messages follow.
     */
    byte[] recoveryFailed(String topic) {
        ObjectNode error = mapper.createObjectNode();
        error.put("op", "error");
        error.put("code", "recovery_failed");
        error.put("topic", topic);
        error.put("message", "messages of this topic were missed and are no longer in the history; reload its state");
        return json(error).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A reply to a client op: {@code {"op":<op>,"id":<id>,"topic":<topic>}}; id and topic omitted when null. */
    String reply(String op, JsonNode id, String topic) {
        ObjectNode reply = mapper.createObjectNode();
        reply.put("op", op);
        if (id != null) {
            reply.set("id", id);
        }
        if (topic != null) {
            reply.put("topic", topic);
        }
        return json(reply);
    }

    /** {@code {"op":"error","code":<code>,"message":<message>,"id":<id>}}; id omitted when null. */
    String error(String code, String message, JsonNode id) {
        ObjectNode error = mapper.createObjectNode();
        error.put("op", "error");
        error.put("code", code);
        error.put("message", message);
        if (id != null) {
            error.set("id", id);
        }
        return json(error);
    }

    /** An HTTP error body: {@code {"error":<code>,"message":<message>}}. */
    String httpError(String code, String message) {
        ObjectNode error = mapper.createObjectNode();
        error.put("error", code);
        error.put("message", message);
        return json(error);
    }

    /** Compact JSON text; not {@code JsonNode.toString()}, which uses Jackson's per-thread buffer cache. */
    String json(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write a JSON tree", e);
        }
    }

    ObjectNode object() {
        return mapper.createObjectNode();
    }

    /**
     * Null when {@code payloadJson} can be encoded for delivery, else why not (sent to the client). JSON escapes can
     * spell an unpaired UTF-16 surrogate ({@code "\\udc00"}), which no UTF-8 frame can carry.
     */
    static String payloadProblem(String payloadJson) {
        for (int i = 0; i < payloadJson.length(); i++) {
            char c = payloadJson.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < payloadJson.length()
                    && Character.isLowSurrogate(payloadJson.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "payload is not valid Unicode: it holds an unpaired UTF-16 surrogate (\\u"
                        + Integer.toHexString(c) + ") that cannot be sent as UTF-8";
            }
        }
        return null;
    }

    /** Null when the topic is valid, else why not (sent to the client). */
    static String topicProblem(String topic) {
        if (topic == null || topic.isEmpty()) {
            return "topic must be a non-empty string";
        }
        if (topic.length() > WebSocketHub.MAX_TOPIC_LENGTH) {
            return "topic must be at most " + WebSocketHub.MAX_TOPIC_LENGTH + " characters: " + topic.length();
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '*' || Character.isISOControl(c) || Character.isWhitespace(c)) {
                return "topic must not contain '*', whitespace or control characters";
            }
        }
        return null;
    }
}
