package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What one client can do to the hub with raw sockets (a valid token where one is needed): each test reproduces a way
 * a single client could exhaust, stall or flood it, and asserts the answer a client and an operator rely on.
 */
class HostileClientTest extends HubTestSupport {

    private static final byte[] PING_PAYLOAD = new byte[125];

    private static String roomToken() {
        return token("hostile", List.of("room:*"), List.of("room:*"));
    }

    // ---- a client that stops reading ----

    @Test
    void pingFloodWithoutReading_isEvictedAsSlowConsumer_becausePongsCountAgainstTheBound() throws Exception {
        // Pings answered without limit here, so only the outbound bound can stop the flood.
        start(config().maxOutboundBytes(16 * 1024).maxPingsPerSecond(1_000_000).closeTimeout(Duration.ofMillis(300)));
        try (RawWebSocket ws = RawWebSocket.open(hub.port(), roomToken())) {
            byte[] ping = RawWebSocket.frame(RawWebSocket.PING, PING_PAYLOAD);
            byte[] burst = new byte[ping.length * 100];
            for (int i = 0; i < 100; i++) {
                System.arraycopy(ping, 0, burst, i * ping.length, ping.length);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            int sent = 0;
            try {
                // Bounded: at most 400,000 pings (52 MB) or 15 s; never reads a byte.
                while (sent < 400_000 && hub.statistics().closed(CloseReason.SLOW_CONSUMER) == 0
                        && System.nanoTime() < deadline) {
                    ws.write(burst);
                    sent += 100;
                }
            } catch (IOException evicted) {
                // The hub closed the socket under us: what we want.
            }
            awaitClosed(CloseReason.SLOW_CONSUMER, 1);
        }
        awaitBaseline();
    }

    @Test
    void clientThatStopsReadingButKeepsPinging_isEvictedOnceNothingMovesForTheIdleTimeout() throws Exception {
        // Far below the outbound bound and within the ping rate: only the write-progress watchdog can see it.
        start(config().pingInterval(Duration.ofMillis(100)).idleTimeout(Duration.ofMillis(1500))
                .closeTimeout(Duration.ofMillis(300)));
        try (RawWebSocket ws = RawWebSocket.open(hub.port(), roomToken())) {
            ws.write(RawWebSocket.text("{\"op\":\"subscribe\",\"topic\":\"room:stall\",\"id\":1}"));
            Connection connection = hub.core().connections().get(0);
            String payload = "\"" + "z".repeat(8 * 1024) + "\"";
            byte[] ping = RawWebSocket.frame(RawWebSocket.PING, new byte[] {7});
            // Fill the socket buffers until some bytes wait in the hub's own queue, then stop publishing.
            await("bytes waiting in the hub's queue").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(5)).until(() -> {
                        ws.write(ping);
                        hub.publish("room:stall", payload);
                        assertThat(hub.statistics().closedTotal()).as("closed: %s", hub.statistics().closed())
                                .isZero();
                        return pendingBytes(connection) > 0;
                    });
            assertThat(pendingBytes(connection)).isLessThan(WebSocketHubConfig.DEFAULT_MAX_OUTBOUND_BYTES / 4);
            long started = System.nanoTime();

            // Pings keep the idle clock fresh and each pong adds to the queue; none of it is read.
            await("evicted as a slow consumer").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        try {
                            ws.write(ping);
                        } catch (IOException closedByTheHub) {
                            // Expected once evicted.
                        }
                        return hub.statistics().closed(CloseReason.SLOW_CONSUMER) == 1;
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
        }
        assertThat(hub.statistics().closed(CloseReason.HEARTBEAT_TIMEOUT)).isZero();
        awaitBaseline();
    }

    private static long pendingBytes(Connection connection) throws Exception {
        // Read on the connection's event loop: the outbound buffer is that thread's.
        return connection.channel.eventLoop().submit(() -> {
            io.netty.channel.ChannelOutboundBuffer queued = connection.channel.unsafe().outboundBuffer();
            return queued == null ? 0L : queued.totalPendingWriteBytes();
        }).get();
    }

    @Test
    void pingFlood_isAnsweredAtMostMaxPingsPerSecond() throws Exception {
        start(config().maxPingsPerSecond(5));
        try (RawWebSocket ws = RawWebSocket.open(hub.port(), roomToken())) {
            long started = System.nanoTime();
            byte[] ping = RawWebSocket.frame(RawWebSocket.PING, new byte[] {1, 2, 3});
            for (int i = 0; i < 2_000; i++) {
                ws.write(ping);
            }
            ws.write(RawWebSocket.text("{\"op\":\"subscribe\",\"topic\":\"room:end\",\"id\":\"end\"}"));
            int pongs = 0;
            RawWebSocket.Frame frame;
            while ((frame = ws.read()) != null && frame.opcode() != RawWebSocket.TEXT) {
                if (frame.opcode() == RawWebSocket.PONG) {
                    pongs++;
                    assertThat(frame.payload()).as("a pong echoes the latest ping's payload").containsExactly(1, 2, 3);
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            assertThat(frame).as("the subscribe reply").isNotNull();
            assertThat(pongs).as("pongs for 2000 pings in %.1f s at 5 per second", seconds)
                    .isBetween(1, (int) Math.ceil(5 * (seconds + 1)));
            ws.write(RawWebSocket.close(1000));
            assertThat(ws.readUntilClose()).isEqualTo(1000);
        }
        awaitBaseline();
    }

    // ---- handshakes ----

    @Test
    void legacyHixie76Handshake_isRefusedWith426NamingVersion13() throws Exception {
        start();
        String request = "GET /ws?access_token=" + roomToken() + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "Upgrade: WebSocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Origin: http://127.0.0.1\r\n"
                + "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"
                + "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n"
                + "Content-Length: 8\r\n"
                + "\r\n"
                + "^n:ds[4U";

        RawHttp.Response response = RawHttp.exchange(hub.port(), request);

        assertThat(response.status()).isEqualTo(426);
        assertThat(response.header("Sec-WebSocket-Version")).isEqualTo("13");
        awaitClosed(CloseReason.HANDSHAKE_REJECTED, 1);
        assertThat(hub.statistics().opened()).isZero();
        awaitBaseline();
    }

    @ParameterizedTest
    @ValueSource(strings = {"7", "8", "12", "14"})
    void otherProtocolVersions_areRefusedWith426(String version) throws Exception {
        start();
        String request = RawHttp.upgradeRequest("/ws?access_token=" + roomToken())
                .replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: " + version);

        RawHttp.Response response = RawHttp.exchange(hub.port(), request);

        assertThat(response.status()).isEqualTo(426);
        assertThat(response.header("Sec-WebSocket-Version")).isEqualTo("13");
        assertThat(response.body()).contains("\"error\":\"unsupported_version\"");
        assertThat(hub.statistics().opened()).isZero();
        awaitBaseline();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "Connection: Upgrade\r\n"})
    void malformedUpgrade_is400WithAShortJsonReason_andNotCountedAsError(String missingLine) throws Exception {
        start();
        String request = RawHttp.upgradeRequest("/ws?access_token=" + roomToken()).replace(missingLine, "");

        RawHttp.Response response = RawHttp.exchange(hub.port(), request);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).startsWith("{\"error\":\"bad_request\"").hasSizeLessThan(300);
        awaitClosed(CloseReason.HANDSHAKE_REJECTED, 1);
        assertThat(hub.statistics().closed(CloseReason.ERROR)).isZero();
        assertThat(hub.core().events.count("bad_handshake")).isEqualTo(1);
        awaitBaseline();
    }

    @Test
    void requestLineOver8KiB_is414() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.get("/" + "a".repeat(9000)));

        assertThat(response.status()).isEqualTo(414);
        assertThat(hub.statistics().closed(CloseReason.ERROR)).isZero();
        awaitBaseline();
    }

    @Test
    void headersOver16KiB_is431() throws Exception {
        start();
        String request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "X-Pad: " + "b".repeat(8000) + "\r\n"
                + "X-Pad2: " + "b".repeat(9000) + "\r\n\r\n";

        RawHttp.Response response = RawHttp.exchange(hub.port(), request);

        assertThat(response.status()).isEqualTo(431);
        awaitBaseline();
    }

    @Test
    void silentConnectionsFromOneAddress_areCappedBeforeTheHandshake() throws Exception {
        start(config().maxPendingHandshakesPerAddress(3));
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket socket = new Socket("127.0.0.1", hub.port());
                socket.setSoTimeout(10_000);
                sockets.add(socket);
            }
            awaitClosed(CloseReason.CONNECTION_LIMIT, 5);
            int closedByServer = 0;
            for (Socket socket : sockets) {
                // Which ones were over the cap depends on which event loop ran first: ask each, briefly.
                socket.setSoTimeout(200);
                try {
                    closedByServer += socket.getInputStream().read() < 0 ? 1 : 0;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // Within the cap: the server is waiting for its request.
                }
            }
            assertThat(closedByServer).as("connections over the cap closed at once").isEqualTo(5);
            assertThat(hub.statistics().connections()).as("silent connections within the cap").isEqualTo(3);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        awaitBaseline();
        // Freed slots are reusable: the cap counts only connections still waiting.
        RawWebSocket.open(hub.port(), roomToken()).close();
        awaitBaseline();
    }

    /**
     * Many addresses, each within its own cap, must not together hold pending sockets until the file-descriptor
     * limit: the hub-wide cap closes the oldest pending connection for each one over it, so the newest (here: a
     * legitimate client arriving while the cap is full of silent sockets) still gets through, and the operator reads
     * one line, not one per refusal.
     */
    @Test
    void silentConnectionsFromManyAddresses_areCappedHubWide_oldestClosedFirst() throws Exception {
        int cap = 6;
        int addresses = 5;
        int perAddress = 3;
        // A long handshake timeout: only the cap may close these sockets while the test runs, however slowly.
        start(config().maxPendingHandshakes(cap).maxPendingHandshakesPerAddress(perAddress)
                .handshakeTimeout(Duration.ofMinutes(2)));
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        hub.core().events.sink(lines::add);
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int a = 0; a < addresses; a++) {
                for (int i = 0; i < perAddress; i++) {
                    Socket socket = new Socket();
                    socket.bind(new java.net.InetSocketAddress("127.0.0." + (2 + a), 0));
                    socket.connect(new java.net.InetSocketAddress("127.0.0.1", hub.port()), 10_000);
                    sockets.add(socket);
                    // One at a time, so the hub's accept order (which decides "oldest") is the order of the list.
                    long accepted = sockets.size();
                    await().atMost(Duration.ofSeconds(10)).until(() -> hub.statistics().accepted() >= accepted);
                }
            }
            int over = addresses * perAddress - cap;
            awaitClosed(CloseReason.CONNECTION_LIMIT, over);
            assertThat(hub.statistics().connections()).as("pending connections held by the hub").isEqualTo(cap);
            for (int i = 0; i < sockets.size(); i++) {
                assertThat(closedByServer(sockets.get(i))).as("socket %d of %d closed by the hub", i, sockets.size())
                        .isEqualTo(i < over);
            }

            try (RawWebSocket legitimate = RawWebSocket.open(hub.port(), roomToken())) {
                legitimate.write(RawWebSocket.text("{\"op\":\"ping\",\"id\":1}"));
                assertThat(legitimate.read().text()).contains("pong");
            }
            awaitClosed(CloseReason.CONNECTION_LIMIT, over + 1);
            assertThat(hub.core().events.count(ClientEvents.Kind.PENDING_HANDSHAKE_HUB_LIMIT)).isEqualTo(over + 1);
            assertThat(lines.stream().filter(line -> line.contains("pending_handshake_hub_limit")))
                    .as("log lines for %d refusals (one a minute at most)", over + 1).hasSizeBetween(1, 2)
                    .allSatisfy(line -> assertThat(line).contains("maxPendingHandshakes"));
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        awaitBaseline();
    }

    /** Whether the hub closed {@code socket}: end of stream or a reset, rather than silence while it waits. */
    private static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(200);
        try {
            return socket.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    // ---- what is acknowledged is delivered ----

    @Test
    void loneSurrogatePayload_isInvalidPayload_neverAcked() throws Exception {
        start();
        WsTestClient subscriber = roomClient();
        subscribe(subscriber, "room:1");
        WsTestClient publisher = roomClient();

        JsonNode reply = publisher.request("{\"op\":\"publish\",\"topic\":\"room:1\",\"id\":9,\"payload\":\"\\udc00\"}");

        assertThat(reply.path("op").asText()).as("reply %s", reply).isEqualTo("error");
        assertThat(reply.path("code").asText()).isEqualTo("invalid_payload");
        assertThat(reply.path("id").asInt()).isEqualTo(9);
        assertThat(subscriber.nextWithin(300)).isNull();
        assertThat(hub.statistics().publishes()).isZero();
        subscriber.closeNormally();
        publisher.closeNormally();
        awaitBaseline();
    }

    @Test
    void loneSurrogatePayload_onThePublishApi_is400InvalidPayload() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post(WebSocketHub.PUBLISH_PATH,
                "{\"topic\":\"room:1\",\"payload\":{\"text\":\"a\\ud800b\"}}", "X-Api-Key: " + API_KEY));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("\"error\":\"invalid_payload\"");
        assertThat(hub.statistics().publishes()).isZero();
        awaitBaseline();
    }

    @Test
    void publishDuringDrain_isRefusedAsShuttingDown() throws Exception {
        start();
        WsTestClient client = roomClient();
        Socket apiClient = new Socket("127.0.0.1", hub.port());
        apiClient.setSoTimeout(10_000);
        String post = RawHttp.post(WebSocketHub.PUBLISH_PATH, "{\"topic\":\"room:1\",\"payload\":1}",
                "X-Api-Key: " + API_KEY);
        apiClient.getOutputStream().write(post.substring(0, 20).getBytes(StandardCharsets.US_ASCII));
        await().until(() -> hub.statistics().connections() == 2);

        hub.stopAccepting();

        JsonNode reply = client.request("{\"op\":\"publish\",\"topic\":\"room:1\",\"id\":1,\"payload\":1}");
        assertThat(reply.path("code").asText()).as("reply %s", reply).isEqualTo("shutting_down");
        apiClient.getOutputStream().write(post.substring(20).getBytes(StandardCharsets.US_ASCII));
        RawHttp.Response response = RawHttp.parse(RawHttp.readAll(apiClient.getInputStream()));
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).contains("\"error\":\"shutting_down\"");
        assertThat(hub.statistics().publishes()).isZero();
        apiClient.close();
        client.closeNormally();
        awaitBaseline();
    }

    @Test
    void serverSidePublish_ofALoneSurrogate_isRejected_andDuringDrainFailsAsIllegalState() throws Exception {
        start();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> hub.publish("room:1", "\"\\udc00\""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
        hub.stopAccepting();
        java.util.concurrent.CompletableFuture<Void> refused = hub.publish("room:1", "1").toCompletableFuture();

        org.assertj.core.api.Assertions.assertThatThrownBy(refused::join)
                .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("shutting down");
        assertThat(hub.statistics().publishes()).isZero();
        awaitBaseline();
    }

    // ---- client-caused errors: counted, one line, no stack trace ----

    @Test
    void bodyClosedEarly_isALostConnection_countedAndNotAnError() throws Exception {
        start();
        for (int i = 0; i < 20; i++) {
            try (Socket socket = new Socket("127.0.0.1", hub.port())) {
                socket.getOutputStream().write(("POST /api/publish HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                        + "\r\n{\"topic\"").getBytes(StandardCharsets.US_ASCII));
                socket.shutdownOutput();
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
        }

        awaitClosed(CloseReason.CONNECTION_LOST, 20);
        assertThat(hub.statistics().closed(CloseReason.ERROR)).isZero();
        assertThat(hub.core().events.count("incomplete_request")).isEqualTo(20);
        awaitBaseline();
    }

    @Test
    void clientCausedEndings_logNoStackTrace_andOneLinePerKind_eachCounted() throws Exception {
        start(config().handshakeTimeout(Duration.ofMillis(500)));
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        hub.core().events.sink(lines::add);
        byte[] cutShort = ("POST /api/publish HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"topic\"")
                .getBytes(StandardCharsets.US_ASCII);

        String log = standardErrorDuring(() -> {
            List<Socket> stalledBodies = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    // A body announced, then the connection closed early.
                    try (Socket socket = new Socket("127.0.0.1", hub.port())) {
                        socket.getOutputStream().write(cutShort);
                        socket.shutdownOutput();
                        assertThat(socket.getInputStream().read()).isEqualTo(-1);
                    }
                    // A body announced and never finished: the handshake timeout ends it.
                    Socket stalled = new Socket("127.0.0.1", hub.port());
                    stalledBodies.add(stalled);
                    stalled.getOutputStream().write(cutShort);
                    // A fragmented message cut off by a reset.
                    RawWebSocket ws = RawWebSocket.open(hub.port(), roomToken());
                    ws.write(RawWebSocket.frame(false, RawWebSocket.TEXT,
                            "{\"op\":".getBytes(StandardCharsets.US_ASCII), 0x11223344));
                    ws.socket.setSoLinger(true, 0);
                    ws.close();
                }
                awaitClosed(CloseReason.HANDSHAKE_TIMEOUT, 10);
                awaitClosed(CloseReason.CONNECTION_LOST, 20);
            } finally {
                for (Socket socket : stalledBodies) {
                    socket.close();
                }
            }
        });

        assertThat(log).as("the hub's log").doesNotContain("Exception", "\tat ", "WARN");
        assertThat(lines).hasSize(2).anySatisfy(line -> assertThat(line).endsWith("[incomplete_request]"))
                .anySatisfy(line -> assertThat(line).endsWith("[handshake_timeout]"));
        assertThat(hub.core().events.count("incomplete_request")).isEqualTo(10);
        assertThat(hub.core().events.count("handshake_timeout")).isEqualTo(10);
        assertThat(hub.statistics().closed(CloseReason.ERROR)).isZero();
        awaitBaseline();
    }

    @ParameterizedTest
    @ValueSource(ints = {5000, 65535, 999, 1004, 1005, 1006, 1015, 2999})
    void closeCodeOutsideTheValidRanges_isAnsweredWith1002(int code) throws Exception {
        start();
        try (RawWebSocket ws = RawWebSocket.open(hub.port(), roomToken())) {
            ws.write(RawWebSocket.close(code));

            assertThat(ws.readUntilClose()).isEqualTo(1002);
        }
        awaitClosed(CloseReason.PROTOCOL_VIOLATION, 1);
        awaitBaseline();
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1003, 1011, 3000, 4999})
    void validCloseCodes_areEchoed(int code) throws Exception {
        start();
        try (RawWebSocket ws = RawWebSocket.open(hub.port(), roomToken())) {
            ws.write(RawWebSocket.close(code));

            assertThat(ws.readUntilClose()).isEqualTo(code);
        }
        awaitClosed(CloseReason.CLIENT_CLOSED, 1);
        awaitBaseline();
    }

    @Test
    void refusedOrigin_isLoggedOncePerAddressSayingWhatToChange() throws Exception {
        start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        hub.core().events.sink(lines::add);
        for (int i = 0; i < 5; i++) {
            RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.upgradeRequest(
                    "/ws?access_token=" + roomToken(), "Origin: http://evil.example"));
            assertThat(response.status()).isEqualTo(403);
        }

        assertThat(lines).singleElement().asString()
                .contains("origin http://evil.example is not allowed", "add it to allowedOrigins", "127.0.0.1");
        assertThat(hub.core().events.count("origin_not_allowed")).isEqualTo(5);
        awaitBaseline();
    }

    @Test
    void refusedTokens_areLoggedOncePerAddressSayingWhatToCheck() throws Exception {
        start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        hub.core().events.sink(lines::add);
        String forged = roomToken();
        forged = forged.substring(0, forged.length() - 2) + (forged.endsWith("AA") ? "BB" : "AA");
        for (int i = 0; i < 5; i++) {
            RawHttp.Response response = RawHttp.exchange(hub.port(),
                    RawHttp.upgradeRequest("/ws?access_token=" + forged));
            assertThat(response.status()).isEqualTo(401);
        }

        assertThat(lines).singleElement().asString()
                .contains("token refused with 401", "tokenSecret", "127.0.0.1").doesNotContain(forged);
        assertThat(hub.core().events.count("bad_token")).isEqualTo(5);
        awaitBaseline();
    }

    @Test
    void wrongApiKeys_areOneLinePerAddress_andEachCounted() throws Exception {
        start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        hub.core().events.sink(lines::add);
        for (int i = 0; i < 20; i++) {
            RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post(WebSocketHub.PUBLISH_PATH,
                    "{\"topic\":\"room:1\",\"payload\":1}", "X-Api-Key: guess-" + i));
            assertThat(response.status()).isEqualTo(401);
        }

        assertThat(lines).singleElement().asString()
                .contains("wrong API key", "--publish-api-key", "127.0.0.1").doesNotContain("guess-");
        assertThat(hub.core().events.count("bad_api_key")).isEqualTo(20);
        awaitBaseline();
    }

    @Test
    void everyByteQueuedForAClient_isCountedInBytesOut() throws Exception {
        start();
        try (RawWebSocket ws = RawWebSocket.open(hub.port(), roomToken())) {
            ws.write(RawWebSocket.frame(RawWebSocket.PING, "abc".getBytes(StandardCharsets.US_ASCII)));
            RawWebSocket.Frame pong = ws.read();
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
            assertThat(Arrays.equals(pong.payload(), "abc".getBytes(StandardCharsets.US_ASCII))).isTrue();
            ws.write(RawWebSocket.close(1000));
            assertThat(ws.readUntilClose()).isEqualTo(1000);
        }
        awaitBaseline();
        assertThat(hub.statistics().bytesOut()).as("pong payload and close code").isEqualTo(3 + 2);
    }
}
