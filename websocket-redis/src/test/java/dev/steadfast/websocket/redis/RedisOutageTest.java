package dev.steadfast.websocket.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.steadfast.junit.LeakFree;
import dev.steadfast.websocket.BrokerException;
import dev.steadfast.websocket.MessageBroker;
import dev.steadfast.websocket.Recovery;
import dev.steadfast.websocket.StreamPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis lost at runtime, for the whole cluster (killed, restarted empty) or for one node (partition). */
@LeakFree(ignoreThreads = {"globalEventExecutor-.*", "process reaper.*"})
class RedisOutageTest {

    @RegisterExtension
    static final RedisServer REDIS = RedisServer.ephemeral();

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        REDIS.call("FLUSHALL");
    }

    private RedisBroker broker(String uri) {
        RedisBroker broker = RedisBroker.connect(RedisBrokerConfig.custom().uri(uri)
                .commandTimeout(Duration.ofSeconds(2)).build());
        closeables.add(broker);
        return broker;
    }

    private static final class Received implements MessageBroker.MessageListener {
        final ConcurrentLinkedQueue<String> payloads = new ConcurrentLinkedQueue<>();

        @Override
        public void onMessage(String topic, String payload) {
            payloads.add(payload);
        }
    }

    private static StreamPosition position(RedisBroker broker, String topic) {
        return broker.recover(topic, null).toCompletableFuture().join().position();
    }

    @Test
    void redisKilledAndRestartedEmpty_refusesPublishes_thenRestoresExactlyTheLiveSubscriptions_andEpochChanges()
            throws Exception {
        RedisBroker node = broker(REDIS.uri());
        RedisBroker other = broker(REDIS.uri());
        Received received = new Received();
        node.subscribe("room:1", received);
        MessageBroker.Subscription leavesDuringOutage = node.subscribe("room:2", new Received());
        StreamPosition before = position(node, "room:1");
        position(node, "room:2");

        REDIS.kill();
        await("node sees Redis gone").atMost(Duration.ofSeconds(10)).until(() -> !node.isConnected());
        assertThatThrownBy(() -> node.publish("room:1", "1").toCompletableFuture().join())
                .cause().isInstanceOf(BrokerException.class)
                .hasMessage("Redis at 127.0.0.1:" + REDIS.port() + " is disconnected; the message was not published")
                .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo("broker_unavailable"));
        leavesDuringOutage.close();
        REDIS.start();

        await("node reconnected").atMost(Duration.ofSeconds(15)).until(node::isConnected);
        await("Redis holds exactly the channels live topics need").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> {
                    assertThat(REDIS.channels()).containsExactly("steadfast:topic:room:1");
                    assertThat(node.redisSubscriptionCount()).isEqualTo(node.topicCount()).isEqualTo(1);
                });
        await().atMost(Duration.ofSeconds(10)).until(other::isConnected);
        other.publish("room:1", "\"after\"").toCompletableFuture().join();
        await("live messages flow again").untilAsserted(() -> assertThat(received.payloads)
                .containsExactly("\"after\""));
        Recovery recovery = node.recover("room:1", before).toCompletableFuture().join();
        assertThat(recovery.recovered()).as("history lost with the restart").isFalse();
        assertThat(recovery.position().epoch()).isNotEqualTo(before.epoch());
    }

    @Test
    void oneNodeCutOff_othersPublishMeanwhile_nodeRecoversThemAfterReconnecting() throws Exception {
        TcpProxy proxy = new TcpProxy(REDIS.port());
        closeables.add(proxy);
        RedisBroker cutOff = broker(proxy.uri());
        RedisBroker publisher = broker(REDIS.uri());
        cutOff.subscribe("room:1", new Received());
        StreamPosition seen = position(cutOff, "room:1");

        proxy.cut();
        await("cut-off node notices").atMost(Duration.ofSeconds(10)).until(() -> !cutOff.isConnected());
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            acks.add(publisher.publish("room:1", Integer.toString(i)).toCompletableFuture());
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        assertThatThrownBy(() -> cutOff.publish("room:1", "4").toCompletableFuture().join())
                .cause().isInstanceOf(BrokerException.class);
        proxy.restore();

        await("reconnected through the proxy").atMost(Duration.ofSeconds(15)).until(cutOff::isConnected);
        Recovery recovery = cutOff.recover("room:1", seen).toCompletableFuture().join();
        assertThat(recovery.recovered()).isTrue();
        assertThat(recovery.publications()).extracting(Recovery.Publication::payload).containsExactly("1", "2", "3");
        await().untilAsserted(() -> assertThat(REDIS.call("PUBSUB", "NUMSUB", "steadfast:topic:room:1"))
                .isEqualTo(List.of("steadfast:topic:room:1", 1L)));
    }
}
