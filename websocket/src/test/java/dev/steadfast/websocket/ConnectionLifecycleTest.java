package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every way a connection ends runs the one cleanup: registry, topics, broker subscriptions and the per-address table
 * return to empty, and the connection is counted once, under its reason.
 */
class ConnectionLifecycleTest extends HubTestSupport {

    @Test
    void clientCloseFrame_isAnsweredAndCleansUp() throws Exception {
        start();
        WsTestClient client = roomClient();
        subscribe(client, "room:1");
        subscribe(client, "room:2");
        assertThat(hub.statistics().subscriptions()).isEqualTo(2);

        client.closeNormally();

        assertThat(client.awaitCloseCode()).as("close code echoed by the server").isEqualTo(1000);
        awaitClosed(CloseReason.CLIENT_CLOSED, 1);
        awaitBaseline();
        assertThat(hub.statistics().closedTotal()).isEqualTo(1);
    }

    @Test
    void clientVanishesWithoutCloseFrame_cleansUp() throws Exception {
        start();
        WsTestClient client = roomClient();
        subscribe(client, "room:1");

        client.vanish();

        awaitClosed(CloseReason.CONNECTION_LOST, 1);
        awaitBaseline();
    }

    @Test
    void clientResetsConnection_cleansUp() throws Exception {
        start();
        WsTestClient client = roomClient();
        subscribe(client, "room:1");

        client.reset();

        awaitClosed(CloseReason.CONNECTION_LOST, 1);
        awaitBaseline();
        assertThat(hub.statistics().closed(CloseReason.ERROR)).as("a reset is not an internal error").isZero();
    }

    @Test
    void clientNotAnsweringPings_isClosedByHeartbeat() throws Exception {
        start(config().pingInterval(Duration.ofMillis(100)).idleTimeout(Duration.ofMillis(500)));
        WsTestClient client = roomClient();
        client.answerPings(false);
        subscribe(client, "room:1");

        assertThat(client.awaitCloseCode()).isEqualTo(1001);
        assertThat(client.closeReasonText()).contains("heartbeat timeout");
        assertThat(client.pingsReceived()).as("pings sent before giving up").isPositive();
        awaitClosed(CloseReason.HEARTBEAT_TIMEOUT, 1);
        awaitBaseline();
    }

    @Test
    void clientAnsweringPings_staysOpenPastTheIdleTimeout() throws Exception {
        start(config().pingInterval(Duration.ofMillis(50)).idleTimeout(Duration.ofMillis(400)));
        WsTestClient client = roomClient();

        await().atMost(Duration.ofSeconds(10)).until(() -> client.pingsReceived() >= 20);

        assertThat(client.channel.isActive()).as("client still connected after 20 pings").isTrue();
        assertThat(hub.statistics().webSockets()).isEqualTo(1);
        assertThat(hub.statistics().closedTotal()).isZero();
        client.closeNormally();
        awaitBaseline();
    }

    @Test
    void handshakeThatNeverCompletes_isDroppedAtTheHandshakeTimeout() throws Exception {
        start(config().handshakeTimeout(Duration.ofMillis(300)));
        try (Socket socket = new Socket("127.0.0.1", hub.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web"
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> hub.statistics().connections() == 1
                    || hub.statistics().closedTotal() == 1);

            assertThat(socket.getInputStream().read()).as("server closed the socket").isEqualTo(-1);
        }
        awaitClosed(CloseReason.HANDSHAKE_TIMEOUT, 1);
        awaitBaseline();
    }

    @Test
    void silentTcpConnection_isDroppedAtTheHandshakeTimeout() throws Exception {
        start(config().handshakeTimeout(Duration.ofMillis(300)));
        try (Socket socket = new Socket("127.0.0.1", hub.port())) {
            socket.setSoTimeout(10_000);
            assertThat(socket.getInputStream().read()).as("server closed the socket").isEqualTo(-1);
        }
        awaitClosed(CloseReason.HANDSHAKE_TIMEOUT, 1);
        awaitBaseline();
    }

    @Test
    void refusedHandshake_cleansUp() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.upgradeRequest("/ws"));

        assertThat(response.status()).isEqualTo(401);
        awaitClosed(CloseReason.HANDSHAKE_REJECTED, 1);
        awaitBaseline();
    }

    @Test
    void unmaskedFrame_isAProtocolViolation_closedWith1002() throws Exception {
        start();
        String token = token("u", List.of("room:*"), List.of());
        try (Socket socket = new Socket("127.0.0.1", hub.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(RawHttp.upgradeRequest("/ws?access_token=" + token)
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(RawHttp.readHead(in)).startsWith("HTTP/1.1 101");
            await().until(() -> hub.statistics().webSockets() == 1);

            socket.getOutputStream().write(new byte[] {(byte) 0x81, 0x02, 'h', 'i'}); // text frame, no mask
            socket.getOutputStream().flush();

            assertThat(in.read()).as("close frame opcode").isEqualTo(0x88);
            int length = in.read();
            assertThat(length).isGreaterThanOrEqualTo(2);
            assertThat((in.read() << 8) | in.read()).as("close code").isEqualTo(1002);
        }
        awaitClosed(CloseReason.PROTOCOL_VIOLATION, 1);
        awaitBaseline();
    }

    @Test
    void invalidUtf8Text_isClosedWith1007() throws Exception {
        start();
        WsTestClient client = roomClient();
        subscribe(client, "room:1");

        client.send(new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {'{', (byte) 0xC3, 0x28, '}'})));

        assertThat(client.awaitCloseCode()).isEqualTo(1007);
        awaitClosed(CloseReason.PROTOCOL_VIOLATION, 1);
        awaitBaseline();
    }

    @Test
    void binaryFrame_isClosedWith1003() throws Exception {
        start();
        WsTestClient client = roomClient();
        subscribe(client, "room:1");

        client.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));

        assertThat(client.awaitCloseCode()).isEqualTo(1003);
        awaitClosed(CloseReason.UNSUPPORTED_DATA, 1);
        awaitBaseline();
    }

    @Test
    void frameOverTheSizeLimit_isClosedWith1009() throws Exception {
        start(config().maxFrameSize(1024).maxMessageSize(4096));
        WsTestClient client = roomClient();
        subscribe(client, "room:1");

        client.send("{\"op\":\"ping\",\"pad\":\"" + "x".repeat(2000) + "\"}");

        assertThat(client.awaitCloseCode()).isEqualTo(1009);
        awaitClosed(CloseReason.MESSAGE_TOO_BIG, 1);
        awaitBaseline();
    }

    @Test
    void fragmentedMessageOverTheSizeLimit_isClosedWith1009() throws Exception {
        start(config().maxFrameSize(1024).maxMessageSize(2048));
        WsTestClient client = roomClient();
        String fragment = "x".repeat(1000);

        client.send(new TextWebSocketFrame(false, 0, "{\"op\":\"ping\",\"pad\":\"" + fragment));
        client.send(new io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame(false, 0, fragment));
        client.send(new io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame(true, 0, fragment + "\"}"));

        assertThat(client.awaitCloseCode()).isEqualTo(1009);
        awaitClosed(CloseReason.MESSAGE_TOO_BIG, 1);
        awaitBaseline();
    }

    @Test
    void fragmentedMessageWithinTheLimit_isAssembled() throws Exception {
        start(config().maxFrameSize(1024).maxMessageSize(4096));
        WsTestClient client = roomClient();

        client.send(new TextWebSocketFrame(false, 0, "{\"op\":\"pi"));
        client.send(new io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame(true, 0,
                "ng\",\"id\":7}"));

        assertThat(client.next()).isEqualTo(json("{\"op\":\"pong\",\"id\":7}"));
        client.closeNormally();
        awaitBaseline();
    }

    @Test
    void slowConsumer_isClosedWith1008_andMemoryStaysBounded() throws Exception {
        start(config().maxOutboundBytes(64 * 1024).closeTimeout(Duration.ofMillis(500)));
        WsTestClient slow = stalledSubscriber("room:firehose");

        floodUntilEvicted("room:firehose");

        awaitBaseline();
        assertThat(hub.statistics().messagesDropped()).as("messages not queued once over the bound").isPositive();
        assertThat(hub.statistics().evictions()).isEqualTo(1);
        slow.channel.config().setAutoRead(true);
        assertThat(slow.awaitDisconnected()).as("server dropped the slow consumer's socket").isTrue();
    }

    @Test
    void tokenExpiringWhileConnected_closesWith1008() throws Exception {
        start(config().tokenClockSkew(Duration.ZERO));
        String shortLived = TOKENS.issue("u", List.of("room:*"), List.of(), Instant.now().plusMillis(1500));
        WsTestClient client = WsTestClient.connect(clients, hub.port(), shortLived);
        subscribe(client, "room:1");

        assertThat(client.awaitCloseCode()).isEqualTo(1008);
        assertThat(client.closeReasonText()).isEqualTo("token expired");
        awaitClosed(CloseReason.TOKEN_EXPIRED, 1);
        awaitBaseline();
    }

    @Test
    void concurrentChurnWhilePublishing_returnsToBaseline() throws Exception {
        start(config().maxConnectionsPerAddress(1000).maxConnections(1000));
        java.util.concurrent.atomic.AtomicBoolean publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread publisher = new Thread(() -> {
            while (publishing.get()) {
                hub.publish("room:hot", "{\"tick\":1}");
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }, "churn-publisher");
        publisher.start();
        try {
            List<Thread> workers = new java.util.ArrayList<>();
            java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int w = 0; w < 4; w++) {
                int worker = w;
                Thread thread = new Thread(() -> {
                    try {
                        for (int i = 0; i < 25; i++) {
                            WsTestClient client = roomClient();
                            client.send("{\"op\":\"subscribe\",\"topic\":\"room:hot\"}");
                            client.send("{\"op\":\"subscribe\",\"topic\":\"room:w" + worker + "\"}");
                            switch ((i + worker) % 3) {
                                case 0 -> client.closeNormally();
                                case 1 -> client.vanish();
                                default -> client.reset();
                            }
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }, "churn-" + w);
                thread.start();
                workers.add(thread);
            }
            for (Thread thread : workers) {
                thread.join(60_000);
            }
            assertThat(failures).isEmpty();
        } finally {
            publishing.set(false);
            publisher.join(10_000);
        }
        awaitBaseline();
        assertThat(hub.statistics().opened()).isEqualTo(100);
        assertThat(hub.statistics().closed(CloseReason.ERROR)).isZero();
    }

    @Test
    void vanishedConnection_isUnreachableWhileTheHubRuns() throws Exception {
        start();
        WsTestClient client = roomClient();
        subscribe(client, "room:1");
        subscribe(client, "room:2");

        assertRetainedNothing("vanished client", client::vanish);
    }

    @Test
    void heartbeatTimedOutConnection_isUnreachableWhileTheHubRuns() throws Exception {
        start(config().pingInterval(Duration.ofMillis(100)).idleTimeout(Duration.ofMillis(400)));
        WsTestClient client = roomClient();
        subscribe(client, "room:1");

        assertRetainedNothing("heartbeat timeout", () -> {
            client.answerPings(false);
            awaitClosed(CloseReason.HEARTBEAT_TIMEOUT, 1);
        });
    }

    @Test
    void slowConsumerConnection_isUnreachableWhileTheHubRuns() throws Exception {
        start(config().maxOutboundBytes(16 * 1024).closeTimeout(Duration.ofMillis(300)));
        WsTestClient slow = stalledSubscriber("room:firehose");

        assertRetainedNothing("slow consumer", () -> floodUntilEvicted("room:firehose"));
        slow.channel.config().setAutoRead(true);
    }

    /** A subscriber with a small socket receive buffer that has stopped reading. */
    private WsTestClient stalledSubscriber(String topic) throws Exception {
        WsTestClient slow = WsTestClient.connect(clients, hub.port(), "/ws", java.util.Map.of("Authorization",
                "Bearer " + token("slow", List.of("room:*"), List.of())), true);
        subscribe(slow, topic);
        slow.channel.config().setAutoRead(false);
        return slow;
    }

    /** Publishes 16 KiB messages to {@code topic} until the hub has evicted one slow consumer. */
    private void floodUntilEvicted(String topic) {
        String payload = "\"" + "y".repeat(16 * 1024) + "\"";
        await("slow consumer evicted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    for (int i = 0; i < 32; i++) {
                        hub.publish(topic, payload);
                    }
                    return hub.statistics().closed(CloseReason.SLOW_CONSUMER) == 1;
                });
    }

    /**
     * Watches the hub's only connection (weakly), runs {@code ending}, waits for baseline, then checks — with the
     * hub still running — that nothing holds the connection any more.
     */
    private void assertRetainedNothing(String ending, Runnable ending0) {
        dev.steadfast.leak.LeakDetector detector = dev.steadfast.leak.LeakDetector.builder()
                .checks(java.util.Set.of(dev.steadfast.leak.LeakCheck.RETAINED_OBJECTS)).build();
        try (dev.steadfast.leak.LeakScope scope = detector.open(ending)) {
            assertThat(hub.core().connections()).hasSize(1);
            scope.watch(hub.core().connections().get(0), "server-side connection after " + ending);
            ending0.run();
            awaitBaseline();

            dev.steadfast.leak.LeakReport report = scope.check();

            assertThat(report.retained()).as("%s", report).isEmpty();
            assertThat(report.checksNotRun()).as("%s", report).isEmpty();
        }
    }

    @Test
    void manyConnectionsEndingEveryWay_eachCountedOnce() throws Exception {
        start();
        for (int i = 0; i < 10; i++) {
            WsTestClient client = roomClient();
            subscribe(client, "room:shared");
            subscribe(client, "room:" + i);
            switch (i % 3) {
                case 0 -> client.closeNormally();
                case 1 -> client.vanish();
                default -> client.reset();
            }
        }
        awaitBaseline();
        WebSocketStatistics stats = hub.statistics();
        assertThat(stats.opened()).isEqualTo(10);
        assertThat(stats.closed(CloseReason.CLIENT_CLOSED)).isEqualTo(4);
        assertThat(stats.closed(CloseReason.CONNECTION_LOST)).isEqualTo(6);
    }
}
