package dev.steadfast.websocket;

import java.util.concurrent.CompletionStage;

/**
 * Carries published messages to every subscriber of a topic. The hub subscribes once per topic that has at least one
 * local WebSocket subscriber and closes that subscription when the topic's last subscriber leaves, so a broker never
 * holds a reference to a closed connection.
 *
 * <p>Payloads are JSON text (any JSON value). {@link InProcessBroker} is the single-node implementation; a
 * multi-node broker implements the same interface.
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
    }
}
