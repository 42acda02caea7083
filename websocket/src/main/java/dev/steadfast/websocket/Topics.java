package dev.steadfast.websocket;

import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * The hub's topic table. A topic exists while it has at least one local subscriber and then holds exactly one broker
 * subscription; the last member leaving closes it and removes the topic, so neither this table nor the broker keeps
 * anything of a closed connection.
 *
 * <p>Members are grouped by event loop so a publish costs one task per event loop, not one per subscriber; tasks run
 * in submission order on each loop, so a close frame queued after a publish is written after its message.
 */
final class Topics {

    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final MessageBroker broker;
    private final Frames frames;

    Topics(MessageBroker broker, Frames frames) {
        this.broker = broker;
        this.frames = frames;
    }

    /** Adds {@code member}; subscribes to the broker when the topic is new (may throw what the broker throws). */
    void add(String name, Connection member) {
        topics.compute(name, (key, topic) -> {
            Topic target = topic;
            if (target == null) {
                target = new Topic(key);
                target.subscription = broker.subscribe(key, target);
            }
            if (target.membersOf(member.channel.eventLoop()).add(member)) {
                target.size++;
            }
            return target;
        });
    }

    /** Removes {@code member}; closes the broker subscription and drops the topic when it was the last one. */
    void remove(String name, Connection member) {
        topics.computeIfPresent(name, (key, topic) -> {
            Set<Connection> members = topic.byLoop.get(member.channel.eventLoop());
            if (members != null && members.remove(member)) {
                topic.size--;
            }
            if (topic.size > 0) {
                return topic;
            }
            topic.subscription.close();
            return null;
        });
    }

    int topicCount() {
        return topics.size();
    }

    int subscriptionCount() {
        int count = 0;
        for (Topic topic : topics.values()) {
            for (Set<Connection> members : topic.byLoop.values()) {
                count += members.size();
            }
        }
        return count;
    }

    private final class Topic implements MessageBroker.MessageListener {
        final String name;
        /** Members per event loop; a loop's set stays (empty) until the topic goes: there are few loops. */
        final Map<EventLoop, Set<Connection>> byLoop = new ConcurrentHashMap<>(4);
        /** Only changed inside {@code topics.compute} for this key, which serializes and publishes it. */
        int size;
        MessageBroker.Subscription subscription;

        Topic(String name) {
            this.name = name;
        }

        Set<Connection> membersOf(EventLoop loop) {
            return byLoop.computeIfAbsent(loop, l -> ConcurrentHashMap.newKeySet());
        }

        @Override
        public void onMessage(String topic, String payload) {
            onMessage(topic, payload, null);
        }

        @Override
        public void onMessage(String topic, String payload, StreamPosition position) {
            // Encoded once; every member wraps the same heap bytes (no copy, and no pooled buffer to release).
            byte[] frame = frames.message(name, payload, position);
            long offset = position == null ? Connection.NO_OFFSET : position.offset();
            for (Map.Entry<EventLoop, Set<Connection>> entry : byLoop.entrySet()) {
                Set<Connection> members = entry.getValue();
                if (members.isEmpty()) {
                    continue;
                }
                EventLoop loop = entry.getKey();
                if (loop.inEventLoop()) {
                    deliver(members, offset, frame);
                    continue;
                }
                try {
                    loop.execute(() -> deliver(members, offset, frame));
                } catch (RejectedExecutionException e) {
                    // The loop is shutting down and closes its channels; their messages are dropped.
                    for (Connection member : members) {
                        member.dropped();
                    }
                }
            }
        }

        private void deliver(Set<Connection> members, long offset, byte[] frame) {
            for (Connection member : members) {
                member.deliver(name, offset, frame);
            }
        }

        @Override
        public String toString() {
            return "hub topic '" + name + "'";
        }
    }
}
