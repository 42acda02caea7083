package dev.steadfast.websocket.redis;

import dev.steadfast.websocket.MessageBroker;
import dev.steadfast.websocket.StreamPosition;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Redis PUB/SUB side: one Redis channel subscription per topic with at least one local listener, released
 * when the last one leaves (as {@code InProcessBroker} releases its topics).
 *
 * <p>What Redis has confirmed is tracked from its own replies ({@code subscribed}/{@code unsubscribed}), and every
 * (re)connection reconciles it with what the local listeners need: missing channels are subscribed, a channel Redis
 * confirms that no listener needs any more (e.g. one re-subscribed by the client after a reconnect) is unsubscribed.
 * So the node's subscription count on Redis returns to exactly the live topics after any outage.
 */
final class TopicChannels extends RedisPubSubAdapter<String, String> {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBroker.class);
    /**
     * How a message without a position starts on the channel ({@code "- <payload>"}): published by a broker that keeps
     * no history. An offset never starts with {@code '-'}, so it cannot be taken for {@code "<offset> <epoch> <payload>"}.
     */
    static final String UNPOSITIONED = "- ";

    private final String channelPrefix;
    private final StatefulRedisPubSubConnection<String, String> connection;
    private final ConcurrentHashMap<String, Channel> channels = new ConcurrentHashMap<>();
    /** Channels Redis confirmed for this connection (cleared when the connection drops). */
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
    /**
     * Per channel, the UNSUBSCRIBEs sent and not answered yet (cleared when the connection drops). Redis answers in
     * order, so a {@code subscribed} reply that arrives while one is pending answers a SUBSCRIBE sent before it, which
     * that UNSUBSCRIBE undoes: stale, it must not make a topic re-added meanwhile active.
     */
    private final ConcurrentHashMap<String, Integer> unsubscribing = new ConcurrentHashMap<>();
    /**
     * Every SUBSCRIBE/UNSUBSCRIBE is sent from this one Lettuce thread: in the order the topic table changed, and
     * leaving no Lettuce or Netty per-thread state on the caller's thread.
     */
    private final Executor commandThread;

    TopicChannels(String channelPrefix, StatefulRedisPubSubConnection<String, String> connection,
            Executor commandThread) {
        this.channelPrefix = channelPrefix;
        this.connection = connection;
        this.commandThread = commandThread;
        connection.addListener(this);
    }

    String channelOf(String topic) {
        return channelPrefix + topic;
    }

    MessageBroker.Subscription subscribe(String topic, MessageBroker.MessageListener listener) {
        Registration registration = new Registration(topic, listener);
        boolean[] created = new boolean[1];
        channels.compute(topic, (name, channel) -> {
            Channel target = channel;
            if (target == null) {
                target = new Channel();
                created[0] = true;
            }
            target.listeners.add(registration);
            return target;
        });
        if (created[0]) {
            // After compute, so Redis' confirmation finds the topic; a close racing with it is undone by the
            // confirmation handlers (subscribed without listener -> unsubscribe, and the reverse).
            sendSubscribe(topic);
        }
        return registration;
    }

    /** Completes once Redis confirmed the topic's channel, so a history read after it cannot miss a live message. */
    CompletableFuture<Void> active(String topic) {
        Channel channel = channels.get(topic);
        if (channel == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no local subscription to " + topic));
        }
        return channel.active;
    }

    /** Number of topics with at least one local listener (what the node needs on Redis). */
    int topicCount() {
        return channels.size();
    }

    int listenerCount() {
        int count = 0;
        for (Channel channel : channels.values()) {
            count += channel.listeners.size();
        }
        return count;
    }

    /** Channels Redis has confirmed for this node now. */
    int confirmedCount() {
        return confirmed.size();
    }

    /** The connection came (back): make Redis hold exactly the channels the listeners need. */
    void reconcile() {
        for (String topic : channels.keySet()) {
            sendSubscribe(topic);
        }
        for (String channel : confirmed) {
            String topic = channel.substring(channelPrefix.length());
            if (!channels.containsKey(topic)) {
                sendUnsubscribe(channel);
            }
        }
    }

    /** The connection dropped: nothing is confirmed any more, history reads wait for the re-subscription. */
    void disconnected() {
        confirmed.clear();
        unsubscribing.clear();
        for (Channel channel : channels.values()) {
            if (channel.active.isDone()) {
                channel.active = new CompletableFuture<>();
            }
        }
    }

    private void sendSubscribe(String topic) {
        send(() -> connection.async().subscribe(channelOf(topic)).exceptionally(failure -> {
            // Disconnected: reconcile() subscribes again once the connection is back.
            LOG.debug("SUBSCRIBE {} not sent: {}", topic, failure.toString());
            return null;
        }));
    }

    private void sendUnsubscribe(String channel) {
        send(() -> {
            unsubscribing.merge(channel, 1, Integer::sum);
            connection.async().unsubscribe(channel).exceptionally(failure -> {
                LOG.debug("UNSUBSCRIBE {} not sent: {}", channel, failure.toString());
                unsubscribeAnswered(channel);
                return null;
            });
        });
    }

    private void unsubscribeAnswered(String channel) {
        unsubscribing.computeIfPresent(channel, (name, count) -> count > 1 ? count - 1 : null);
    }

    private void send(Runnable command) {
        try {
            commandThread.execute(command);
        } catch (RejectedExecutionException e) {
            LOG.debug("Broker closed; a subscription change was not sent");
        }
    }

    // ---- Redis replies (Lettuce I/O thread) ----

    @Override
    public void subscribed(String channel, long count) {
        if (!channel.startsWith(channelPrefix)) {
            return;
        }
        confirmed.add(channel);
        Channel local = channels.get(channel.substring(channelPrefix.length()));
        if (local == null) {
            sendUnsubscribe(channel);  // the last listener left while SUBSCRIBE was on its way, or a stale resubscribe
        } else if (!unsubscribing.containsKey(channel)) {
            local.active.complete(null);
        }
        // else: stale, an UNSUBSCRIBE sent after it is still to be answered; its reply re-subscribes the topic.
    }

    @Override
    public void unsubscribed(String channel, long count) {
        confirmed.remove(channel);
        unsubscribeAnswered(channel);
        String topic = channel.startsWith(channelPrefix) ? channel.substring(channelPrefix.length()) : null;
        Channel local = topic == null ? null : channels.get(topic);
        if (local != null) {
            // A listener came back while UNSUBSCRIBE was on its way: not active until Redis confirms again.
            if (local.active.isDone()) {
                local.active = new CompletableFuture<>();
            }
            sendSubscribe(topic);
        }
    }

    @Override
    public void message(String channel, String message) {
        if (!channel.startsWith(channelPrefix)) {
            return;
        }
        String topic = channel.substring(channelPrefix.length());
        Channel local = channels.get(topic);
        if (local == null) {
            return;
        }
        if (message.startsWith(UNPOSITIONED)) {
            deliver(local, topic, message.substring(UNPOSITIONED.length()), null);
            return;
        }
        int firstSpace = message.indexOf(' ');
        int secondSpace = firstSpace < 0 ? -1 : message.indexOf(' ', firstSpace + 1);
        if (secondSpace < 0) {
            LOG.warn("Ignoring a message on {} that is not '<offset> <epoch> <payload>' (published by another"
                    + " program?)", channel);
            return;
        }
        StreamPosition position;
        try {
            position = new StreamPosition(Long.parseLong(message, 0, firstSpace, 10),
                    message.substring(firstSpace + 1, secondSpace));
        } catch (IllegalArgumentException e) {
            LOG.warn("Ignoring a message on {} with a malformed position: {}", channel, e.getMessage());
            return;
        }
        deliver(local, topic, message.substring(secondSpace + 1), position);
    }

    /** To every local listener; without a position through the listener's two-argument {@code onMessage}. */
    private static void deliver(Channel local, String topic, String payload, StreamPosition position) {
        for (Registration registration : local.listeners) {
            try {
                if (position == null) {
                    registration.listener.onMessage(topic, payload);
                } else {
                    registration.listener.onMessage(topic, payload, position);
                }
            } catch (RuntimeException e) {
                // One failing listener must not stop delivery to the others.
                LOG.warn("Listener {} of topic '{}' failed", registration.listener, topic, e);
            }
        }
    }

    private static final class Channel {
        final CopyOnWriteArrayList<Registration> listeners = new CopyOnWriteArrayList<>();
        volatile CompletableFuture<Void> active = new CompletableFuture<>();
    }

    private final class Registration implements MessageBroker.Subscription {
        final String topic;
        final MessageBroker.MessageListener listener;

        Registration(String topic, MessageBroker.MessageListener listener) {
            this.topic = topic;
            this.listener = listener;
        }

        @Override
        public void close() {
            boolean[] removed = new boolean[1];
            channels.computeIfPresent(topic, (name, channel) -> {
                channel.listeners.remove(this);
                if (!channel.listeners.isEmpty()) {
                    return channel;
                }
                removed[0] = true;
                return null;
            });
            if (removed[0]) {
                sendUnsubscribe(channelOf(topic));
            }
        }
    }
}
