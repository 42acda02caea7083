package dev.steadfast.websocket;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Carries published messages to every subscriber of a topic. The hub subscribes once per topic that has at least one
 * local WebSocket subscriber and closes that subscription when the topic's last subscriber leaves, so a broker never
 * holds a reference to a closed connection.
 *
 * <p>Payloads are JSON text (any JSON value). {@link InProcessBroker} is the single-node implementation; a
 * multi-node broker (the Redis one in {@code steadfast-websocket-redis}) implements the same interface and may keep a
 * per-topic history: {@link #keepsHistory()}, each message delivered with its {@link StreamPosition}, and
 * {@link #recover} to read back what a reconnecting client missed.
 *
 * <pre>{@code
 * MessageBroker broker = new InProcessBroker();
 * try (MessageBroker.Subscription s = broker.subscribe("room:1", (topic, payload) -> System.out.println(payload))) {
 *     broker.publish("room:1", "{\"text\":\"hello\"}").toCompletableFuture().join();
 * }
 * }</pre>
 */
public interface MessageBroker {

    /**
     * Publishes one message. The returned stage completes when the broker has accepted the message, i.e. once it
     * will reach every listener subscribed at this moment (for {@link InProcessBroker}: once every listener has been
     * called). The hub acknowledges a client's publish only after this stage completes normally.
     *
     * @param topic   the exact topic name
     * @param payload the message as JSON text
     * @return a stage completing when the message is accepted, or exceptionally when it was not
     */
    CompletionStage<Void> publish(String topic, String payload);

    /**
     * Calls {@code listener} with every message published to {@code topic} until the returned subscription is
     * closed. Must not block: the hub calls it on an event loop.
     *
     * @param topic    the exact topic name
     * @param listener called for each message; an exception it throws is logged and does not reach the publisher
     * @return the subscription; closing it removes the listener (idempotent)
     */
    Subscription subscribe(String topic, MessageListener listener);

    /**
     * Whether this broker keeps a per-topic history, so {@link #recover} can answer {@code recovered == true}. The hub
     * asks once, when it is built. Default: false.
     */
    default boolean keepsHistory() {
        return false;
    }

    /**
     * Reads the topic's history after {@code since}. Called only after {@link #subscribe} for the same topic on this
     * broker, and the broker must make sure that every publication later than the returned
     * {@link Recovery#position()} reaches that subscription live (i.e. the read happens after the subscription is
     * active), so the hub can join the two without a gap; it drops live messages already replayed, by offset.
     *
     * <p>Default (no history): {@code recovered == false} with no position.
     *
     * @param topic the exact topic name
     * @param since the last position the client saw, or null to learn only the current position
     * @return a stage with the recovery, or failing with a {@link BrokerException} when the backend is unreachable
     */
    default CompletionStage<Recovery> recover(String topic, StreamPosition since) {
        return CompletableFuture.completedFuture(Recovery.notRecovered(null));
    }

    /**
     * Whether the broker can publish now; a disconnected broker makes the service's readiness fail. Default: true.
     */
    default boolean isConnected() {
        return true;
    }

    /** One listener registration; {@link #close()} removes it and is idempotent. */
    interface Subscription extends AutoCloseable {
        /** Removes the listener; calling it again does nothing. */
        @Override
        void close();
    }

    /** Receives the messages of one subscription. */
    @FunctionalInterface
    interface MessageListener {
        /**
         * Called for each message.
         *
         * @param topic   the topic it was published to
         * @param payload the message as JSON text
         */
        void onMessage(String topic, String payload);

        /**
         * Called instead of {@link #onMessage(String, String)} by a broker that keeps a history, with the message's
         * position in it. Default: forgets the position.
         *
         * @param topic    the topic it was published to
         * @param payload  the message as JSON text
         * @param position its offset and the stream's epoch
         */
        default void onMessage(String topic, String payload, StreamPosition position) {
            onMessage(topic, payload);
        }
    }
}
