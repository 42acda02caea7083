package dev.steadfast.websocket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hub's topic table. A topic exists while it has at least one local subscriber and then holds exactly one broker
 * subscription; the last member leaving closes it and removes the topic, so neither this table nor the broker keeps
 * anything of a closed connection.
 */
final class Topics {

    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final MessageBroker broker;
    private final Frames frames;
    private final HubCounters counters;

    Topics(MessageBroker broker, Frames frames, HubCounters counters) {
        this.broker = broker;
        this.frames = frames;
        this.counters = counters;
    }

    /** Adds {@code member}; subscribes to the broker when the topic is new (may throw what the broker throws). */
    void add(String name, Connection member) {
        topics.compute(name, (key, topic) -> {
            Topic target = topic;
            if (target == null) {
                target = new Topic(key);
                target.subscription = broker.subscribe(key, target);
            }
            target.members.add(member);
            return target;
        });
    }

    /** Removes {@code member}; closes the broker subscription and drops the topic when it was the last one. */
    void remove(String name, Connection member) {
        topics.computeIfPresent(name, (key, topic) -> {
            topic.members.remove(member);
            if (!topic.members.isEmpty()) {
                return topic;
            }
            topic.subscription.close();
            return null;
        });
    }

    boolean contains(String name, Connection member) {
        Topic topic = topics.get(name);
        return topic != null && topic.members.contains(member);
    }

    int topicCount() {
        return topics.size();
    }

    int subscriptionCount() {
        int count = 0;
        for (Topic topic : topics.values()) {
            count += topic.members.size();
        }
        return count;
    }

    private final class Topic implements MessageBroker.MessageListener {
        final String name;
        final Set<Connection> members = ConcurrentHashMap.newKeySet();
        MessageBroker.Subscription subscription;

        Topic(String name) {
            this.name = name;
        }

        @Override
        public void onMessage(String topic, String payload) {
            // Encoded once; every member wraps the same heap bytes (no copy, and no pooled buffer to release).
            byte[] frame = frames.message(name, payload);
            for (Connection member : members) {
                member.deliver(frame);
            }
        }

        @Override
        public String toString() {
            return "hub topic '" + name + "' (" + members.size() + " local subscribers)";
        }
    }
}
