package dev.steadfast.websocket.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.steadfast.junit.LeakFree;
import dev.steadfast.websocket.BrokerException;
import dev.steadfast.websocket.MessageBroker;
import dev.steadfast.websocket.Recovery;
import dev.steadfast.websocket.StreamPosition;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The broker alone against a real redis-server: fan-out between two nodes, history, recovery and failures. */
@LeakFree(ignoreThreads = {"globalEventExecutor-.*", "process reaper.*"})
class RedisBrokerTest {

    @RegisterExtension
    static final RedisServer REDIS = RedisServer.ephemeral();

    private final List<RedisBroker> brokers = new ArrayList<>();

    @AfterEach
    void closeBrokers() throws Exception {
        brokers.forEach(RedisBroker::close);
        REDIS.call("FLUSHALL");
    }

    private RedisBroker broker(RedisBrokerConfig.Builder config) {
        RedisBroker broker = RedisBroker.connect(config.build());
        brokers.add(broker);
        return broker;
    }

    private RedisBroker broker() {
        return broker(RedisBrokerConfig.custom().uri(REDIS.uri()).historySize(100));
    }

    /** What one listener received, as "offset:payload". */
    private static final class Received implements MessageBroker.MessageListener {
        final ConcurrentLinkedQueue<String> messages = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<StreamPosition> positions = new ConcurrentLinkedQueue<>();

        @Override
        public void onMessage(String topic, String payload) {
            throw new AssertionError("the Redis broker always passes the position");
        }

        @Override
        public void onMessage(String topic, String payload, StreamPosition position) {
            messages.add(position.offset() + ":" + payload);
            positions.add(position);
        }
    }

    private static void awaitSubscribed(RedisBroker broker, String topic) {
        broker.recover(topic, null).toCompletableFuture().join();
    }

    private static void publishAll(RedisBroker broker, String topic, int from, int to) {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            acks.add(broker.publish(topic, Integer.toString(i)).toCompletableFuture());
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
    }

    private static List<String> expected(int from, int to) {
        List<String> expected = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            expected.add(i + ":" + i);
        }
        return expected;
    }

    @Test
    void publishOnOneNode_reachesListenersOnEveryNode_onceAndInOrder() {
        RedisBroker nodeA = broker();
        RedisBroker nodeB = broker();
        Received onA = new Received();
        Received onB = new Received();
        nodeA.subscribe("room:1", onA);
        nodeB.subscribe("room:1", onB);
        awaitSubscribed(nodeA, "room:1");
        awaitSubscribed(nodeB, "room:1");

        publishAll(nodeA, "room:1", 1, 200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(List.copyOf(onB.messages)).isEqualTo(expected(1, 200));
            assertThat(List.copyOf(onA.messages)).isEqualTo(expected(1, 200));
        });
        assertThat(onB.positions).extracting(StreamPosition::epoch).containsOnly(onA.positions.peek().epoch());
    }

    /**
     * Redis forgets its scripts when it restarts; publishes that find the script gone and the ones sent after them
     * must still get their offsets in the order they were published.
     */
    @Test
    void scriptCacheLostWhilePublishing_publishesKeepTheirOrder() throws Exception {
        RedisBroker nodeA = broker();
        RedisBroker nodeB = broker();
        Received onB = new Received();
        nodeB.subscribe("room:1", onB);
        awaitSubscribed(nodeB, "room:1");
        List<CompletableFuture<Void>> acks = publishSteadily(nodeA, 1_000, 250, () -> REDIS.call("SCRIPT", "FLUSH"));
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(onB.messages).hasSize(1_000));
        assertThat(List.copyOf(onB.messages)).as("offsets given in the order of publishing")
                .isEqualTo(expected(1, 1_000));
    }

    /**
     * Another client (another node) reloads the script right after Redis lost it, while this node's publishes are on
     * their way: a publish that found the script gone may be refused (never acknowledged), but no acknowledged
     * publish gets its offset before an earlier one, and only acknowledged ones reach the listeners.
     */
    @Test
    void scriptCacheLostAndReloadedByAnotherClient_noAcknowledgedPublishIsOvertaken() throws Exception {
        RedisBroker nodeA = broker();
        RedisBroker nodeB = broker();
        Received onB = new Received();
        nodeB.subscribe("room:1", onB);
        awaitSubscribed(nodeB, "room:1");
        // The last publish goes out after the last reload, with nothing flushed after it: it is always acknowledged.
        List<CompletableFuture<Void>> acks = publishSteadily(nodeA, 1_001, 25, () -> {
            REDIS.call("SCRIPT", "FLUSH");
            REDIS.call("SCRIPT", "LOAD", RedisBroker.publishScript());
        });
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).join();
                acknowledged.add(Integer.toString(i + 1));
            } catch (java.util.concurrent.CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(BrokerException.class)
                        .hasMessageContaining("lost its scripts while the message was on its way");
            }
        }

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(onB.messages).hasSize(acknowledged.size()));
        assertThat(List.copyOf(onB.messages)).as("acknowledged publishes, in the order of publishing")
                .extracting(message -> message.substring(message.indexOf(':') + 1))
                .isEqualTo(acknowledged);
        assertThat(acknowledged).contains("1001");
    }

    /**
     * A broker without history sends a plain PUBLISH: no script, no key in Redis, and the message arrives on the
     * other node without a position (the frame carries no offset or epoch, as with the in-process broker).
     */
    @Test
    void withoutHistory_publishIsAPlainPublish_deliveredInOrderWithoutPosition() throws Exception {
        RedisBroker nodeA = broker(RedisBrokerConfig.custom().uri(REDIS.uri()).historySize(0));
        RedisBroker nodeB = broker(RedisBrokerConfig.custom().uri(REDIS.uri()).historySize(0));
        ConcurrentLinkedQueue<String> onB = new ConcurrentLinkedQueue<>();
        nodeB.subscribe("room:1", new MessageBroker.MessageListener() {
            @Override
            public void onMessage(String topic, String payload) {
                onB.add(payload);
            }

            @Override
            public void onMessage(String topic, String payload, StreamPosition position) {
                throw new AssertionError("a topic without history has no position: " + position);
            }
        });
        await().untilAsserted(() -> assertThat(nodeB.redisSubscriptionCount()).isEqualTo(1));
        REDIS.call("CONFIG", "RESETSTAT");

        publishAll(nodeA, "room:1", 1, 200);

        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            expected.add(Integer.toString(i));
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(List.copyOf(onB)).isEqualTo(expected));
        assertThat(REDIS.call("DBSIZE")).as("keys in Redis").isEqualTo(0L);
        assertThat(String.valueOf(REDIS.call("INFO", "commandstats"))).contains("cmdstat_publish:calls=200,")
                .doesNotContain("cmdstat_eval");
    }

    @Test
    void oneRedisSubscriptionPerTopic_releasedWhenTheLastListenerLeaves() throws Exception {
        RedisBroker node = broker();
        MessageBroker.Subscription first = node.subscribe("room:1", new Received());
        MessageBroker.Subscription second = node.subscribe("room:1", new Received());
        MessageBroker.Subscription other = node.subscribe("room:2", new Received());
        await().untilAsserted(() -> assertThat(REDIS.channels())
                .containsExactlyInAnyOrder("steadfast:topic:room:1", "steadfast:topic:room:2"));
        assertThat(node.topicCount()).isEqualTo(2);
        assertThat(node.subscriptionCount()).isEqualTo(3);

        first.close();
        other.close();
        await().untilAsserted(() -> assertThat(REDIS.channels()).containsExactly("steadfast:topic:room:1"));
        second.close();
        second.close();

        await().untilAsserted(() -> assertThat(REDIS.channels()).isEmpty());
        assertThat(node.topicCount()).isZero();
        assertThat(node.subscriptionCount()).isZero();
        assertThat(node.redisSubscriptionCount()).isZero();
    }

    @Test
    void recover_afterAGap_returnsEveryMissedPublicationInOrder() {
        RedisBroker node = broker();
        node.subscribe("room:1", new Received());
        StreamPosition start = node.recover("room:1", null).toCompletableFuture().join().position();
        publishAll(node, "room:1", 1, 5);

        Recovery recovery = node.recover("room:1", new StreamPosition(start.offset() + 2, start.epoch()))
                .toCompletableFuture().join();

        assertThat(recovery.recovered()).isTrue();
        assertThat(recovery.position()).isEqualTo(new StreamPosition(5, start.epoch()));
        assertThat(recovery.publications()).extracting(p -> p.offset() + ":" + p.payload())
                .containsExactly("3:3", "4:4", "5:5");
    }

    @Test
    void recover_upToDate_isRecoveredWithNothingToReplay() {
        RedisBroker node = broker();
        node.subscribe("room:1", new Received());
        publishAll(node, "room:1", 1, 3);
        StreamPosition top = node.recover("room:1", null).toCompletableFuture().join().position();

        Recovery recovery = node.recover("room:1", top).toCompletableFuture().join();

        assertThat(recovery.recovered()).isTrue();
        assertThat(recovery.publications()).isEmpty();
    }

    @Test
    void recover_withAnotherEpoch_isNotRecovered() {
        RedisBroker node = broker();
        node.subscribe("room:1", new Received());
        publishAll(node, "room:1", 1, 3);

        Recovery recovery = node.recover("room:1", new StreamPosition(1, "someotherepoch"))
                .toCompletableFuture().join();

        assertThat(recovery.recovered()).isFalse();
        assertThat(recovery.publications()).isEmpty();
        assertThat(recovery.position().offset()).isEqualTo(3);
    }

    @Test
    void recover_beyondTheHistorySize_isNotRecovered() {
        RedisBroker node = broker(RedisBrokerConfig.custom().uri(REDIS.uri()).historySize(10));
        node.subscribe("room:1", new Received());
        String epoch = node.recover("room:1", null).toCompletableFuture().join().position().epoch();
        publishAll(node, "room:1", 1, 400);

        Recovery fromStart = node.recover("room:1", new StreamPosition(0, epoch)).toCompletableFuture().join();
        Recovery recent = node.recover("room:1", new StreamPosition(395, epoch)).toCompletableFuture().join();

        assertThat(fromStart.recovered()).as("history trimmed to about 10 of 400").isFalse();
        assertThat(recent.recovered()).isTrue();
        assertThat(recent.publications()).extracting(Recovery.Publication::offset)
                .containsExactly(396L, 397L, 398L, 399L, 400L);
    }

    @Test
    void recover_afterTheHistoryExpired_isNotRecovered_andTheEpochChanges() throws Exception {
        RedisBroker node = broker(RedisBrokerConfig.custom().uri(REDIS.uri()).historyTtl(Duration.ofSeconds(1)));
        node.subscribe("room:1", new Received());
        String epoch = node.recover("room:1", null).toCompletableFuture().join().position().epoch();
        publishAll(node, "room:1", 1, 3);
        assertThat(REDIS.call("TTL", "steadfast:history:room:1")).as("history TTL in seconds").isEqualTo(1L);

        await("history and position expired").atMost(Duration.ofSeconds(5))
                .until(() -> REDIS.call("EXISTS", "steadfast:meta:room:1", "steadfast:history:room:1").equals(0L));
        Recovery recovery = node.recover("room:1", new StreamPosition(1, epoch)).toCompletableFuture().join();

        assertThat(recovery.recovered()).isFalse();
        assertThat(recovery.position().epoch()).isNotEqualTo(epoch);
        assertThat(recovery.position().offset()).isZero();
    }

    @Test
    void unreachableAtStartup_failsNamingTheAddressAndTheCause() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        RedisBrokerConfig config = RedisBrokerConfig.custom().uri("redis://127.0.0.1:" + closedPort)
                .connectTimeout(Duration.ofSeconds(2)).build();

        assertThatThrownBy(() -> RedisBroker.connect(config))
                .isInstanceOf(BrokerException.class)
                .hasMessageStartingWith("cannot connect to Redis at 127.0.0.1:" + closedPort + ": ")
                .hasMessageContaining("Connection refused");
    }

    @Test
    void password_authenticates_andAWrongOneFailsNamingTheAddressNeverThePassword() throws Exception {
        REDIS.call("CONFIG", "SET", "requirepass", "s3cret-redis-pw");
        try {
            RedisBroker node = broker(RedisBrokerConfig.custom().uri(REDIS.uri()).password("s3cret-redis-pw"));
            Received received = new Received();
            node.subscribe("room:1", received);
            awaitSubscribed(node, "room:1");
            publishAll(node, "room:1", 1, 1);
            await().untilAsserted(() -> assertThat(received.messages).containsExactly("1:1"));
            assertThat(node.toString()).doesNotContain("s3cret");

            RedisBrokerConfig wrong = RedisBrokerConfig.custom().uri(REDIS.uri()).password("not-the-s3cret")
                    .connectTimeout(Duration.ofSeconds(2)).build();
            assertThatThrownBy(() -> RedisBroker.connect(wrong))
                    .isInstanceOf(BrokerException.class)
                    .hasMessageStartingWith("cannot connect to Redis at 127.0.0.1:" + REDIS.port() + ": ")
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageNotContaining("not-the-s3cret");
        } finally {
            RespClient.callAll(REDIS.port(), 5_000, List.of(new String[] {"AUTH", "s3cret-redis-pw"},
                    new String[] {"CONFIG", "SET", "requirepass", ""}));
        }
    }

    @Test
    void slowRedis_boundsInFlightPublishes_andRefusesTheRestAsOverloaded() throws Exception {
        RedisBroker node = broker(RedisBrokerConfig.custom().uri(REDIS.uri()).maxInFlightPublishes(5));
        Thread sleeper = new Thread(() -> {
            try {
                REDIS.call("DEBUG", "SLEEP", "2");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "redis-debug-sleep");
        sleeper.start();
        await("Redis blocked in DEBUG SLEEP").until(RedisBrokerTest::redisIsBlocked);
        List<CompletableFuture<Void>> accepted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            accepted.add(node.publish("room:1", Integer.toString(i)).toCompletableFuture());
        }

        CompletionStage<Void> refused = node.publish("room:1", "6");

        assertThat(node.inFlightPublishes()).isEqualTo(5);
        assertThatThrownBy(() -> refused.toCompletableFuture().join())
                .hasCauseInstanceOf(BrokerException.class)
                .cause().hasMessage("5 publishes are waiting for Redis at 127.0.0.1:" + REDIS.port()
                        + "; try again later")
                .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo("broker_overloaded"));
        CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).join();
        assertThat(node.inFlightPublishes()).isZero();
        sleeper.join();
    }

    /** Redis answers nothing while DEBUG SLEEP runs: a PING that times out says the sleep has begun. */
    private static boolean redisIsBlocked() {
        try {
            RespClient.call(REDIS.port(), 100, "PING");
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    /**
     * Publishes "1".."count" to room:1 as a steady stream (20 µs apart, longer than a round trip in all), not paced
     * by acks, as a client's publish frames reach the hub; runs {@code every} after each {@code period}-th publish.
     */
    private static List<CompletableFuture<Void>> publishSteadily(RedisBroker node, int count, int period,
                                                                 RedisAction every) throws IOException {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            acks.add(node.publish("room:1", Integer.toString(i)).toCompletableFuture());
            long next = System.nanoTime() + 20_000;
            while (System.nanoTime() < next) {
                Thread.onSpinWait();
            }
            if (i % period == 0) {
                every.run();
            }
        }
        return acks;
    }

    /** Something done to Redis between publishes. */
    @FunctionalInterface
    private interface RedisAction {
        void run() throws IOException;
    }
}
