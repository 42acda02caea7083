package dev.steadfast.websocket;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's topic table. A topic exists while it has at least one local subscriber and then holds exactly one broker
 * subscription; the last member leaving closes it and removes the topic, so neither this table nor the broker keeps
 * anything of a closed connection.
 *
 * <p>Members are grouped by event loop so a publish costs one task per event loop, not one per subscriber; tasks run
 * in submission order on each loop, so a close frame queued after a publish is written after its message.
 */
final class Topics {

    /** Live messages a topic keeps while reading a gap from the history; beyond it the gap is reported. */
    static final int MAX_WAITING_DURING_REPAIR = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHub.class);

    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    private final MessageBroker broker;
    private final Frames frames;
    private final boolean history;

    Topics(MessageBroker broker, Frames frames) {
        this.broker = broker;
        this.frames = frames;
        this.history = broker.keepsHistory();
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
        /** The last position fanned out, to notice what this node missed; guarded by this topic's lock. */
        private StreamPosition last;
        /** Live messages (and their epochs) waiting while a gap is read from the history; null otherwise. */
        private List<Recovery.Publication> waiting;
        private List<String> waitingEpochs;

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
            if (position == null) {
                fanOut(frames.message(name, payload, null), null);
                return;
            }
            synchronized (this) {
                if (waiting != null) {
                    waiting.add(new Recovery.Publication(position.offset(), payload));
                    waitingEpochs.add(position.epoch());
                    if (waiting.size() > MAX_WAITING_DURING_REPAIR) {
                        giveUpRepair();
                    }
                    return;
                }
                if (last != null && last.epoch().equals(position.epoch()) && position.offset() <= last.offset()) {
                    return;  // already fanned out (a history replay overlapping live messages)
                }
                if (last != null && history
                        && (!last.epoch().equals(position.epoch()) || position.offset() > last.offset() + 1)) {
                    // This node missed messages (its broker connection was down): every member did too.
                    startRepair(position, payload);
                    return;
                }
                last = position;
                fanOut(frames.message(name, payload, position), position);
            }
        }

        /** Reads what this node missed after {@link #last} from the history; live messages wait meanwhile. */
        private void startRepair(StreamPosition position, String payload) {
            waiting = new ArrayList<>();
            waitingEpochs = new ArrayList<>();
            waiting.add(new Recovery.Publication(position.offset(), payload));
            waitingEpochs.add(position.epoch());
            StreamPosition from = last;
            CompletionStage<Recovery> read;
            try {
                read = broker.recover(name, from);
            } catch (RuntimeException e) {
                read = CompletableFuture.failedFuture(e);
            }
            read.whenComplete((recovery, failure) -> repaired(from, recovery, failure));
        }

        private synchronized void repaired(StreamPosition from, Recovery recovery, Throwable failure) {
            if (waiting == null) {
                return;  // given up already
            }
            if (failure == null && recovery.recovered()) {
                String epoch = recovery.position().epoch();
                for (Recovery.Publication publication : recovery.publications()) {
                    if (publication.offset() > last.offset()) {
                        last = new StreamPosition(publication.offset(), epoch);
                        fanOut(frames.message(name, publication.payload(), last), last);
                    }
                }
            } else {
                LOG.warn("Topic '{}': messages after offset {} were missed by this node and cannot be recovered{};"
                        + " its subscribers are told to reload it", name, from.offset(),
                        failure == null ? " (history expired or lost)" : ": " + failure);
                recoveryFailed();
            }
            flushWaiting();
        }

        /** Too many live messages arrived while the history was read: they are sent, the gap is reported. */
        private void giveUpRepair() {
            recoveryFailed();
            flushWaiting();
        }

        private void recoveryFailed() {
            last = null;
            fanOut(frames.recoveryFailed(name), null);
        }

        private void flushWaiting() {
            List<Recovery.Publication> pending = waiting;
            List<String> epochs = waitingEpochs;
            waiting = null;
            waitingEpochs = null;
            for (int i = 0; i < pending.size(); i++) {
                StreamPosition position = new StreamPosition(pending.get(i).offset(), epochs.get(i));
                if (last == null || !last.epoch().equals(position.epoch()) || position.offset() > last.offset()) {
                    last = position;
                    fanOut(frames.message(name, pending.get(i).payload(), position), position);
                }
            }
        }

        /** Hands one encoded frame to every member, one task per event loop. */
        private void fanOut(byte[] frame, StreamPosition position) {
            for (Map.Entry<EventLoop, Set<Connection>> entry : byLoop.entrySet()) {
                Set<Connection> members = entry.getValue();
                if (members.isEmpty()) {
                    continue;
                }
                EventLoop loop = entry.getKey();
                if (loop.inEventLoop()) {
                    deliver(members, position, frame);
                    continue;
                }
                try {
                    loop.execute(() -> deliver(members, position, frame));
                } catch (RejectedExecutionException e) {
                    // The loop is shutting down and closes its channels; their messages are dropped.
                    for (Connection member : members) {
                        member.dropped();
                    }
                }
            }
        }

        private void deliver(Set<Connection> members, StreamPosition position, byte[] frame) {
            for (Connection member : members) {
                member.deliver(name, position, frame);
            }
        }

        @Override
        public String toString() {
            return "hub topic '" + name + "'";
        }
    }
}
