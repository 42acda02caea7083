package dev.steadfast.websocket.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.steadfast.junit.LeakFree;
import dev.steadfast.websocket.MessageBroker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node's channel table against a real redis-server, through a proxy that holds requests or replies so the test
 * decides what Redis has processed when a reply reaches the node.
 */
@LeakFree(ignoreThreads = {"globalEventExecutor-.*", "process reaper.*"})
class TopicChannelsTest {

    @RegisterExtension
    static final RedisServer REDIS = RedisServer.ephemeral();

    /**
     * A topic subscribed, dropped and subscribed again before Redis' first confirmation arrived: that confirmation
     * answers the first SUBSCRIBE, which the UNSUBSCRIBE after it undid. Taking it for the new subscription would
     * let a history read run while this node receives nothing live, and lose what is published meanwhile.
     */
    @Test
    void topicDroppedAndReAddedQuickly_staleConfirmation_doesNotMakeTheNewSubscriptionActive() throws Exception {
        ExecutorService commands = Executors.newSingleThreadExecutor(r -> new Thread(r, "topic-channels-commands"));
        RedisClient client = null;
        try (TcpProxy proxy = new TcpProxy(REDIS.port())) {
            client = RedisClient.create(proxy.uri());
            StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub(StringCodec.UTF8);
            TopicChannels channels = new TopicChannels("t:", connection, commands);
            ConcurrentLinkedQueue<String> unsubscribeReplies = new ConcurrentLinkedQueue<>();
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void unsubscribed(String channel, long count) {
                    unsubscribeReplies.add(channel);  // called after TopicChannels' handlers for earlier replies
                }
            });
            REDIS.call("CONFIG", "RESETSTAT");

            proxy.holdReplies(true);
            channels.subscribe("room", (topic, payload) -> { }).close();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    String.valueOf(REDIS.call("INFO", "commandstats"))).contains("cmdstat_unsubscribe:calls=1,"));
            proxy.holdRequests(true);
            ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
            channels.subscribe("room", (topic, payload) -> received.add(payload));
            CompletableFuture<Void> active = channels.active("room");
            proxy.holdReplies(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> unsubscribeReplies.contains("t:room"));

            assertThat(REDIS.call("PUBSUB", "NUMSUB", "t:room")).as("Redis' subscribers of t:room")
                    .isEqualTo(List.of("t:room", 0L));
            assertThat(active).as("the new subscription, while Redis holds none for it").isNotDone();

            proxy.holdRequests(false);
            await().atMost(Duration.ofSeconds(30)).until(active::isDone);
            REDIS.call("PUBLISH", "t:room", TopicChannels.UNPOSITIONED + "1");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(received).containsExactly("1"));
            connection.close();
        } finally {
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            commands.shutdown();
            assertThat(commands.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
