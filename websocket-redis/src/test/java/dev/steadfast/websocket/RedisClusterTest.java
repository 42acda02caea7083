package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steadfast.junit.LeakFree;
import dev.steadfast.websocket.redis.RedisBroker;
import dev.steadfast.websocket.redis.RedisBrokerConfig;
import dev.steadfast.websocket.redis.RedisServer;
import dev.steadfast.websocket.redis.TcpProxy;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three hub nodes in this JVM, each with its own {@link RedisBroker}, on one real redis-server (durable: what Redis
 * acknowledged survives a kill), with real WebSocket clients spread over the nodes.
 */
@LeakFree(ignoreThreads = {"globalEventExecutor-.*", "process reaper.*"})
class RedisClusterTest {

    @RegisterExtension
    static final RedisServer REDIS = RedisServer.durable();

    /** Steps of the churn test; {@code -Pstress} raises it (see the module's pom). */
    static final int CHURN_STEPS = Integer.getInteger("steadfast.redis.churn-steps", 120);
    /** Clients the churn keeps at once: well under the per-address cap of each node (all come from 127.0.0.1). */
    static final int MAX_LIVE_CHURN_CLIENTS = 60;
    /** Publishes racing a recovery; {@code -Pstress} raises it. */
    static final int RACING_PUBLISHES = Integer.getInteger("steadfast.redis.racing-publishes", 200);

    static EventLoopGroup clients;

    private final List<WebSocketHub> hubs = new ArrayList<>();
    private final List<RedisBroker> brokers = new ArrayList<>();
    private final List<WsTestClient> openClients = new ArrayList<>();

    @BeforeAll
    static void startClients() {
        clients = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("ws-test-client", true),
                NioIoHandler.newFactory());
        clients.forEach(loop -> loop.submit(() -> { }).syncUninterruptibly());
    }

    @AfterAll
    static void stopClients() {
        clients.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        // The hub's and Lettuce's buffers are tracked at paranoid level (see the surefire configuration).
        assertThat(RecordingLeakDetector.installed()).as("Netty leak detector installed").isTrue();
        assertThat(RecordingLeakDetector.collectAndDrain()).as("Netty buffers never released").isEmpty();
    }

    @BeforeEach
    void startNodes() {
        for (int i = 0; i < 3; i++) {
            RedisBroker broker = RedisBroker.connect(RedisBrokerConfig.custom().uri(REDIS.uri())
                    .historySize(Math.max(1_000, RACING_PUBLISHES))
                    // Bursts of thousands of publishes on a loaded machine: a publish Redis has not answered within
                    // this is refused (outcome unknown), which these tests do not want to provoke.
                    .commandTimeout(Duration.ofSeconds(10)).build());
            brokers.add(broker);
            WebSocketHub hub = WebSocketHub.builder(HubTestSupport.config().build()).broker(broker).build();
            hub.start();
            hubs.add(hub);
        }
    }

    @AfterEach
    void stopNodes() throws Exception {
        openClients.forEach(WsTestClient::close);
        hubs.forEach(WebSocketHub::close);
        brokers.forEach(RedisBroker::close);
        REDIS.call("FLUSHALL");
    }

    private WsTestClient client(int node) throws Exception {
        WsTestClient client = WsTestClient.connect(clients, hubs.get(node).port(),
                HubTestSupport.token("u", List.of("room:*"), List.of("room:*")));
        openClients.add(client);
        return client;
    }

    private static JsonNode subscribe(WsTestClient client, String topic, String since) throws Exception {
        JsonNode reply = client.request("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"id\":\"s\""
                + (since == null ? "" : ",\"since\":" + since) + "}");
        assertThat(reply.path("op").asText()).as("reply: %s", reply).isEqualTo("subscribed");
        return reply;
    }

    /** Publishes {@code count} messages {@code {"n":i}} and waits for every ack. */
    private static void publish(WsTestClient publisher, String topic, int from, int to) throws Exception {
        for (int i = from; i <= to; i++) {
            publisher.send("{\"op\":\"publish\",\"topic\":\"" + topic + "\",\"id\":" + i + ",\"payload\":{\"n\":" + i
                    + "}}");
        }
    }

    /** The next {@code count} message frames' payload numbers, skipping acks; asserts offsets follow each other. */
    private static List<Integer> messages(WsTestClient client, int count) throws Exception {
        List<Integer> numbers = new ArrayList<>();
        long lastOffset = -1;
        while (numbers.size() < count) {
            JsonNode frame = client.nextWithin(10_000);
            assertThat(frame).as("frame after %s of %s messages (last offset %s)", numbers.size(), count, lastOffset)
                    .isNotNull();
            if (frame.path("op").asText().equals("ack")) {
                continue;
            }
            assertThat(frame.path("op").asText()).as("frame %s", frame).isEqualTo("message");
            long offset = frame.path("offset").asLong();
            if (lastOffset >= 0) {
                assertThat(offset).as("offset after %s in %s", lastOffset, frame).isEqualTo(lastOffset + 1);
            }
            lastOffset = offset;
            numbers.add(frame.path("payload").path("n").asInt());
        }
        return numbers;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> numbers = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            numbers.add(i);
        }
        return numbers;
    }

    private void awaitBaseline() {
        await("every node, broker and Redis back to baseline").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (int i = 0; i < hubs.size(); i++) {
                WebSocketStatistics stats = hubs.get(i).statistics();
                assertThat(stats.connections()).as("node %s registry", i).isZero();
                assertThat(stats.topics()).as("node %s topics", i).isZero();
                assertThat(stats.subscriptions()).as("node %s subscriptions", i).isZero();
                assertThat(stats.closedTotal()).as("node %s closed vs accepted", i).isEqualTo(stats.accepted());
                assertThat(brokers.get(i).topicCount()).as("node %s broker topics", i).isZero();
                assertThat(brokers.get(i).redisSubscriptionCount()).as("node %s Redis subscriptions", i).isZero();
            }
            assertThat(REDIS.channels()).as("channels on Redis").isEmpty();
        });
    }

    @Test
    void everyPublish_reachesEverySubscriberOnEveryNode_exactlyOnce_inOrder() throws Exception {
        List<WsTestClient> subscribers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            WsTestClient client = client(i % 3);
            subscribe(client, "room:1", null);
            subscribers.add(client);
        }
        WsTestClient publisher = client(1);

        publish(publisher, "room:1", 1, 100);

        for (WsTestClient subscriber : subscribers) {
            assertThat(messages(subscriber, 100)).isEqualTo(range(1, 100));
            assertThat(subscriber.nextWithin(200)).as("nothing more, no duplicate").isNull();
        }
        openClients.forEach(WsTestClient::close);
        awaitBaseline();
    }

    @Test
    void nodeKilledMidRun_losesOnlyItsOwnConnections() throws Exception {
        WsTestClient onNode0 = client(0);
        WsTestClient onNode1 = client(1);
        WsTestClient onNode2 = client(2);
        for (WsTestClient client : List.of(onNode0, onNode1, onNode2)) {
            subscribe(client, "room:1", null);
        }
        WsTestClient publisher = client(0);
        publish(publisher, "room:1", 1, 20);
        assertThat(messages(onNode2, 20)).isEqualTo(range(1, 20));

        hubs.get(2).close();
        brokers.get(2).close();
        publish(publisher, "room:1", 21, 40);

        assertThat(onNode2.awaitDisconnected()).isTrue();
        assertThat(messages(onNode0, 40)).isEqualTo(range(1, 40));
        assertThat(messages(onNode1, 40)).isEqualTo(range(1, 40));
        hubs.remove(2);
        brokers.remove(2);
        openClients.forEach(WsTestClient::close);
        awaitBaseline();
    }

    @Test
    void redisKilledAndRestarted_acknowledgedMessagesAreRecoveredWithSince_unacknowledgedAreRefused()
            throws Exception {
        WsTestClient reader = client(1);
        JsonNode subscribed = subscribe(reader, "room:1", null);
        String epoch = subscribed.path("epoch").asText();
        WsTestClient publisher = client(0);
        publish(publisher, "room:1", 1, 5);
        awaitAcks(publisher, 5);
        assertThat(messages(reader, 5)).isEqualTo(range(1, 5));
        long lastSeen = subscribed.path("offset").asLong() + 5;
        reader.close();
        publish(publisher, "room:1", 6, 10);
        awaitAcks(publisher, 5);

        REDIS.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> !brokers.get(0).isConnected());
        JsonNode refused = publisher.request("{\"op\":\"publish\",\"topic\":\"room:1\",\"id\":99,\"payload\":0}");
        assertThat(refused.path("code").asText()).as("refused: %s", refused).isEqualTo("broker_unavailable");
        REDIS.start();
        await().atMost(Duration.ofSeconds(15)).until(() -> brokers.stream().allMatch(RedisBroker::isConnected));

        WsTestClient back = client(2);
        JsonNode recovered = subscribe(back, "room:1",
                "{\"offset\":" + lastSeen + ",\"epoch\":\"" + epoch + "\"}");
        assertThat(recovered.path("recovered").asBoolean()).as("reply %s", recovered).isTrue();
        assertThat(recovered.path("epoch").asText()).isEqualTo(epoch);
        assertThat(messages(back, 5)).isEqualTo(range(6, 10));
        publish(publisher, "room:1", 11, 11);
        assertThat(messages(back, 1)).isEqualTo(List.of(11));

        REDIS.call("FLUSHALL");
        WsTestClient afterDataLoss = client(0);
        JsonNode lost = subscribe(afterDataLoss, "room:1", "{\"offset\":" + (lastSeen + 6) + ",\"epoch\":\""
                + epoch + "\"}");
        assertThat(lost.path("recovered").asBoolean()).as("reply %s", lost).isFalse();
        assertThat(lost.path("epoch").asText()).isNotEqualTo(epoch);
    }

    private static void awaitAcks(WsTestClient publisher, int count) throws Exception {
        int acks = 0;
        while (acks < count) {
            JsonNode frame = publisher.next();
            assertThat(frame.path("op").asText()).as("frame %s", frame).isEqualTo("ack");
            acks++;
        }
    }

    @Test
    void recoveryRacingLivePublishes_hasNoGapAndNoDuplicate() throws Exception {
        WsTestClient publisher = client(0);
        WsTestClient first = client(1);
        JsonNode subscribed = subscribe(first, "room:1", null);
        String since = "{\"offset\":" + subscribed.path("offset").asLong() + ",\"epoch\":\""
                + subscribed.path("epoch").asText() + "\"}";
        first.close();
        publish(publisher, "room:1", 1, RACING_PUBLISHES);

        // Subscribes while the publishes are still arriving: some come from the history, the rest live.
        WsTestClient back = client(2);
        JsonNode reply = subscribe(back, "room:1", since);

        assertThat(reply.path("recovered").asBoolean()).as("reply %s", reply).isTrue();
        awaitAcks(publisher, RACING_PUBLISHES);
        assertThat(messages(back, RACING_PUBLISHES)).isEqualTo(range(1, RACING_PUBLISHES));
        assertThat(back.nextWithin(200)).isNull();
    }

    @Test
    void nodeCutOffFromRedis_itsConnectedSubscribersGetWhatTheyMissed_fromTheHistory() throws Exception {
        TcpProxy proxy = new TcpProxy(REDIS.port());
        try {
            RedisBroker cutOffBroker = RedisBroker.connect(RedisBrokerConfig.custom().uri(proxy.uri())
                    .commandTimeout(Duration.ofSeconds(2)).build());
            brokers.add(cutOffBroker);
            WebSocketHub cutOffNode = WebSocketHub.builder(HubTestSupport.config().build()).broker(cutOffBroker)
                    .build();
            cutOffNode.start();
            hubs.add(cutOffNode);
            WsTestClient staysConnected = client(3);
            subscribe(staysConnected, "room:1", null);
            WsTestClient publisher = client(0);
            publish(publisher, "room:1", 1, 2);
            assertThat(messages(staysConnected, 2)).isEqualTo(range(1, 2));

            proxy.cut();
            await().atMost(Duration.ofSeconds(10)).until(() -> !cutOffBroker.isConnected());
            publish(publisher, "room:1", 3, 5);
            awaitAcks(publisher, 5);
            proxy.restore();
            await().atMost(Duration.ofSeconds(15)).until(cutOffBroker::isConnected);
            await().atMost(Duration.ofSeconds(10)).until(() -> cutOffBroker.redisSubscriptionCount() == 1);
            publish(publisher, "room:1", 6, 6);

            assertThat(messages(staysConnected, 4)).as("3 to 5 from the history, then 6 live").isEqualTo(range(3, 6));
            assertThat(staysConnected.nextWithin(200)).isNull();
        } finally {
            proxy.close();
        }
    }

    @Test
    void slowRedis_publishesBeyondTheInFlightBound_areRefusedAsOverloaded_theOthersAcked() throws Exception {
        RedisBroker bounded = RedisBroker.connect(RedisBrokerConfig.custom().uri(REDIS.uri()).maxInFlightPublishes(2)
                .build());
        brokers.add(bounded);
        WebSocketHub node = WebSocketHub.builder(HubTestSupport.config().build()).broker(bounded).build();
        node.start();
        hubs.add(node);
        WsTestClient publisher = client(hubs.size() - 1);
        Thread sleeper = new Thread(() -> {
            try {
                REDIS.call("DEBUG", "SLEEP", "1");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "redis-debug-sleep");
        sleeper.start();
        await("Redis blocked in DEBUG SLEEP").until(() -> !REDIS.answersWithin(100));

        publish(publisher, "room:1", 1, 3);

        JsonNode refused = publisher.next();
        assertThat(refused.path("op").asText()).as("first answer %s", refused).isEqualTo("error");
        assertThat(refused.path("code").asText()).isEqualTo("broker_overloaded");
        assertThat(refused.path("id").asInt()).isEqualTo(3);
        assertThat(refused.path("message").asText())
                .isEqualTo("2 publishes are waiting for Redis at 127.0.0.1:" + REDIS.port() + "; try again later");
        assertThat(List.of(publisher.next(), publisher.next())).extracting(f -> f.path("op").asText() + " "
                + f.path("id").asInt()).containsExactly("ack 1", "ack 2");
        assertThat(node.statistics().publishes()).isEqualTo(2);
        sleeper.join();
    }

    @Test
    void churnAcrossNodes_returnsRegistriesAndBrokerSubscriptionsToBaseline() throws Exception {
        Random random = new Random(12);
        List<WsTestClient> live = new ArrayList<>();
        for (int step = 0; step < CHURN_STEPS; step++) {
            int action = random.nextInt(4);
            if (action == 0 && live.size() >= MAX_LIVE_CHURN_CLIENTS) {
                live.remove(random.nextInt(live.size())).vanish();
            } else if (action == 0 || live.isEmpty()) {
                live.add(client(random.nextInt(3)));
            } else {
                WsTestClient client = live.get(random.nextInt(live.size()));
                String topic = "room:" + random.nextInt(5);
                if (action == 1) {
                    client.send("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\"}");
                } else if (action == 2) {
                    client.send("{\"op\":\"unsubscribe\",\"topic\":\"" + topic + "\"}");
                } else if (random.nextBoolean()) {
                    client.vanish();
                    live.remove(client);
                } else {
                    client.send("{\"op\":\"publish\",\"topic\":\"" + topic + "\",\"payload\":1}");
                }
            }
        }
        openClients.forEach(WsTestClient::close);
        awaitBaseline();
    }
}
