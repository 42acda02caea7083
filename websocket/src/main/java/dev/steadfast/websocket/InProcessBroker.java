package dev.steadfast.websocket;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-node {@link MessageBroker}: {@link #publish} calls every listener of the topic on the caller's thread
 * and completes once all were called. A topic with no listener left is removed, so the broker's size returns to
 * zero when every subscription is closed.
 *
 * <pre>{@code
 * InProcessBroker broker = new InProcessBroker();
 * WebSocketHub hub = WebSocketHub.builder().tokenSecret(secret).broker(broker).build();
 * broker.publish("room:1", "{\"text\":\"hello\"}");   // reaches every WebSocket subscriber of room:1
 * }</pre>
 */
public final class InProcessBroker implements MessageBroker {

    private static final Logger LOG = LoggerFactory.getLogger(InProcessBroker.class);

    private final ConcurrentHashMap<String, CopyOnWriteArrayList<Registration>> listenersByTopic =
            new ConcurrentHashMap<>();

    /** Creates an empty broker. */
    public InProcessBroker() {
    }

    @Override
    public CompletionStage<Void> publish(String topic, String payload) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        CopyOnWriteArrayList<Registration> registrations = listenersByTopic.get(topic);
        if (registrations != null) {
            for (Registration registration : registrations) {
                try {
                    registration.listener.onMessage(topic, payload);
                } catch (RuntimeException e) {
                    // One failing listener must not stop delivery to the others, nor fail the publisher.
                    LOG.warn("Listener {} of topic '{}' failed", registration.listener, topic, e);
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Subscription subscribe(String topic, MessageListener listener) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(listener, "listener");
        Registration registration = new Registration(topic, listener);
        listenersByTopic.compute(topic, (name, registrations) -> {
            CopyOnWriteArrayList<Registration> list = registrations == null ? new CopyOnWriteArrayList<>() : registrations;
            list.add(registration);
            return list;
        });
        return registration;
    }

    /** Number of topics with at least one listener. */
    public int topicCount() {
        return listenersByTopic.size();
    }

    /** Number of open subscriptions over all topics. */
    public int subscriptionCount() {
        int count = 0;
        for (CopyOnWriteArrayList<Registration> registrations : listenersByTopic.values()) {
            count += registrations.size();
        }
        return count;
    }

    @Override
    public String toString() {
        return "InProcessBroker[topics=" + topicCount() + ", subscriptions=" + subscriptionCount() + "]";
    }

    private final class Registration implements Subscription {
        private final String topic;
        private final MessageListener listener;

        Registration(String topic, MessageListener listener) {
            this.topic = topic;
            this.listener = listener;
        }

        @Override
        public void close() {
            // Identity removal: the same listener subscribed twice is two registrations, each closed on its own.
            listenersByTopic.computeIfPresent(topic, (name, registrations) -> {
                registrations.remove(this);
                return registrations.isEmpty() ? null : registrations;
            });
        }
    }
}
