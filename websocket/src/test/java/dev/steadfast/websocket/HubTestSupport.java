package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import dev.steadfast.junit.LeakFree;

/**
 * A hub on an ephemeral loopback port with fast timeouts, a client event loop, and baseline assertions. Every test
 * runs under {@code @LeakFree}: a thread it leaves running or a ThreadLocal it leaves behind fails it. Netty's
 * shared {@code globalEventExecutor} thread (started by any event-loop group's shutdown, ending by itself a second
 * later) is not the test's; {@link NoThreadsLeftBehind} still checks that it ends before the class is done.
 */
@ExtendWith(NoThreadsLeftBehind.class)
@LeakFree(ignoreThreads = "globalEventExecutor-.*")
abstract class HubTestSupport {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final TokenIssuer TOKENS = TokenIssuer.hs256(SECRET);
    static final String API_KEY = "test-api-key-0123456789";

    static EventLoopGroup clients;

    InProcessBroker broker;
    WebSocketHub hub;

    @BeforeAll
    static void startClients() {
        clients = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("ws-test-client", true),
                NioIoHandler.newFactory());
        // Started now, so they belong to the class and not to whichever test connects first.
        clients.forEach(loop -> loop.submit(() -> { }).syncUninterruptibly());
    }

    @AfterAll
    static void stopClients() {
        clients.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeHub() {
        if (hub != null) {
            hub.close();
        }
    }

    /** Settings for tests: loopback, ephemeral port, two event loops, test secret and API key. */
    static WebSocketHubConfig.Builder config() {
        return WebSocketHubConfig.custom()
                .port(0)
                .bindAddress("127.0.0.1")
                .tokenSecret(SECRET)
                .publishApiKey(API_KEY)
                .eventLoopThreads(2)
                .closeTimeout(Duration.ofSeconds(2));
    }

    /** A hub with {@code config} and a fresh in-process broker, kept in {@link #broker}. */
    WebSocketHub.Builder builder(WebSocketHubConfig.Builder config) {
        broker = new InProcessBroker();
        return WebSocketHub.builder(config.build()).broker(broker);
    }

    WebSocketHub.Builder builder() {
        return builder(config());
    }

    WebSocketHub start(WebSocketHubConfig.Builder config) {
        return start(builder(config));
    }

    WebSocketHub start(WebSocketHub.Builder builder) {
        hub = builder.build();
        hub.start();
        return hub;
    }

    WebSocketHub start() {
        return start(builder());
    }

    /** Parses expected JSON, compared structurally with what the server sent. */
    static JsonNode json(String text) throws java.io.IOException {
        return WsTestClient.JSON.readTree(text);
    }

    static String token(String subject, List<String> subscribe, List<String> publish) {
        return TOKENS.issue(subject, subscribe, publish, Duration.ofMinutes(10));
    }

    /** A client allowed to subscribe and publish on every {@code room:*} topic. */
    WsTestClient roomClient() throws Exception {
        return WsTestClient.connect(clients, hub.port(), token("u", List.of("room:*"), List.of("room:*")));
    }

    static JsonNode subscribe(WsTestClient client, String topic) throws Exception {
        JsonNode reply = client.request("{\"op\":\"subscribe\",\"topic\":\"" + topic + "\",\"id\":\"s-" + topic
                + "\"}");
        assertThat(reply.path("op").asText()).as("reply to subscribe %s: %s", topic, reply).isEqualTo("subscribed");
        return reply;
    }

    /** Something a test does that may throw. */
    interface Action {
        void run() throws Exception;
    }

    /**
     * What the hub's log (slf4j-simple writes to {@code System.err}, looked up on every line) received while
     * {@code action} ran; still copied to the real standard error. Test classes run one at a time in this JVM.
     */
    static String standardErrorDuring(Action action) throws Exception {
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.OutputStream tee = new java.io.OutputStream() {
            @Override
            public synchronized void write(int b) {
                captured.write(b);
                original.write(b);
            }

            @Override
            public synchronized void write(byte[] bytes, int offset, int length) {
                captured.write(bytes, offset, length);
                original.write(bytes, offset, length);
            }
        };
        System.setErr(new java.io.PrintStream(tee, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        synchronized (tee) {
            return captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * Every registry of the hub and the broker back to empty, and every accepted connection ended with exactly one
     * reason.
     */
    void awaitBaseline() {
        await("hub registries back to baseline").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            WebSocketStatistics stats = hub.statistics();
            assertThat(stats.connections()).as("registry size").isZero();
            assertThat(stats.webSockets()).as("open WebSockets").isZero();
            assertThat(stats.topics()).as("topics").isZero();
            assertThat(stats.subscriptions()).as("subscriptions").isZero();
            assertThat(stats.trackedAddresses()).as("per-address cap table").isZero();
            assertThat(broker.topicCount()).as("broker topics").isZero();
            assertThat(broker.subscriptionCount()).as("broker subscriptions").isZero();
            assertThat(stats.closedTotal()).as("closed by reason %s vs accepted", stats.closed())
                    .isEqualTo(stats.accepted());
        });
    }

    /** Waits until exactly {@code count} connections ended for {@code reason}. */
    void awaitClosed(CloseReason reason, long count) {
        await("connections closed for " + reason).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(hub.statistics().closed(reason))
                        .as("closed for %s; all: %s", reason, hub.statistics().closed()).isEqualTo(count));
    }
}
