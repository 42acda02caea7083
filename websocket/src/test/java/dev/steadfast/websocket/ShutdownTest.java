package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Graceful shutdown: stop accepting, close clients with 1001 after every acknowledged publish, stop threads. */
class ShutdownTest extends HubTestSupport {

    @Test
    void closeAll_deliversEveryAcknowledgedPublishBeforeThe1001() throws Exception {
        start();
        List<WsTestClient> subscribers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            WsTestClient subscriber = roomClient();
            subscribe(subscriber, "room:final");
            subscribers.add(subscriber);
        }
        WsTestClient publisher = roomClient();
        int published = 200;
        for (int i = 0; i < published; i++) {
            publisher.send("{\"op\":\"publish\",\"topic\":\"room:final\",\"id\":" + i + ",\"payload\":" + i + "}");
        }
        for (int i = 0; i < published; i++) {
            assertThat(publisher.next().path("op").asText()).isEqualTo("ack");
        }

        hub.stopAccepting();
        boolean drained = hub.closeAll(1001, Duration.ofSeconds(10));

        assertThat(drained).isTrue();
        for (WsTestClient subscriber : subscribers) {
            for (int i = 0; i < published; i++) {
                JsonNode message = subscriber.next();
                assertThat(message.path("payload").asInt()).as("message %s in order", i).isEqualTo(i);
            }
            assertThat(subscriber.awaitCloseCode()).isEqualTo(1001);
        }
        assertThat(publisher.awaitCloseCode()).isEqualTo(1001);
        awaitClosed(CloseReason.SERVER_SHUTDOWN, 6);
        awaitBaseline();
    }

    /**
     * A client still sending when the hub closes it must still read the 1001: were the socket closed with its data
     * unread, the kernel would answer with a reset, which destroys the close frame before the client reads it (seen
     * as 1006 by a publisher that kept publishing during shutdown).
     */
    @Test
    void closeAll_reachesAClientThatIsStillSending() throws Exception {
        start();
        try (RawWebSocket client = RawWebSocket.open(hub.port(), token("sender", List.of("room:*"),
                List.of("room:*")))) {
            byte[] ping = RawWebSocket.frame(RawWebSocket.PING, new byte[125]);
            byte[] burst = new byte[ping.length * 100];
            for (int i = 0; i < 100; i++) {
                System.arraycopy(ping, 0, burst, i * ping.length, ping.length);
            }
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            Thread sender = new Thread(() -> {
                try {
                    while (sending.get()) {
                        client.write(burst);
                        sent.addAndGet(burst.length);
                    }
                } catch (IOException expected) {
                    // the hub closed the connection
                }
            }, "shutdown-test-sender");
            sender.setDaemon(true);
            sender.start();
            CompletableFuture<Integer> closeCode = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try {
                    int code = client.readUntilClose();
                    sending.set(false);
                    closeCode.complete(code);
                    client.write(RawWebSocket.close(1000)); // the answer, as a client does; the hub may be gone
                } catch (IOException | RuntimeException e) {
                    closeCode.completeExceptionally(e);
                }
            }, "shutdown-test-reader");
            reader.setDaemon(true);
            reader.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() > 1_000_000);

            hub.closeAll(1001, Duration.ofSeconds(5));

            assertThat(closeCode.get(10, TimeUnit.SECONDS)).as("close code the client read").isEqualTo(1001);
            sending.set(false);
            sender.join(10_000);
            reader.join(10_000);
        }
        awaitBaseline();
    }

    /**
     * The case that loses the close frame to a reset (seen as 1006 in SteadfastServerTest under load): the client is
     * still sending when the hub closes, and is behind on reading, so the close frame still waits in the hub's socket
     * behind earlier messages. Were the socket closed right after the frame was handed to the kernel, the client's
     * unread data would make the kernel reset the connection and drop everything not yet sent, close frame included.
     * With a lingering close (output shut after the frame, input read until the client answers or a timeout) the
     * client reads every message, then the 1001.
     */
    @Test
    void closeAll_closeFrameSurvivesAClientStillSendingAndBehindOnReading() throws Exception {
        start();
        int messages = 200;
        try (RawWebSocket client = RawWebSocket.open(hub.port(), token("sender", List.of("room:*"),
                List.of("room:*")))) {
            client.write(RawWebSocket.text("{\"op\":\"subscribe\",\"topic\":\"room:1\",\"id\":1}"));
            assertThat(client.read().text()).contains("subscribed");
            // 200 KB queued for a client that does not read yet: far past its 4 KiB receive buffer, well within the
            // hub's 1 MiB outbound bound.
            String payload = "\"" + "x".repeat(1_000) + "\"";
            long outBefore = hub.statistics().messagesOut();
            for (int i = 0; i < messages; i++) {
                hub.publish("room:1", payload).toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.statistics().messagesOut() - outBefore >= messages);
            byte[] ping = RawWebSocket.frame(RawWebSocket.PING, new byte[125]);
            byte[] burst = new byte[ping.length * 100];
            for (int i = 0; i < 100; i++) {
                System.arraycopy(ping, 0, burst, i * ping.length, ping.length);
            }
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            Thread sender = new Thread(() -> {
                try {
                    while (sending.get()) {
                        client.write(burst);
                        sent.addAndGet(burst.length);
                    }
                } catch (IOException expected) {
                    // the hub closed the connection
                }
            }, "shutdown-test-sender");
            sender.setDaemon(true);
            sender.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() > 200_000);
            Connection connection = hub.core().connections().get(0);

            CompletableFuture<Boolean> closing = new CompletableFuture<>();
            Thread closer = new Thread(() -> closing.complete(hub.closeAll(1001, Duration.ofSeconds(10))),
                    "shutdown-test-closer");
            closer.setDaemon(true);
            closer.start();
            // Reading starts once the hub has begun to close, as a client busy sending would.
            await().atMost(Duration.ofSeconds(10)).until(connection::isClosing);
            int received = 0;
            int code;
            try {
                RawWebSocket.Frame frame;
                while ((frame = client.read()) != null && frame.opcode() != RawWebSocket.CLOSE) {
                    received += frame.opcode() == RawWebSocket.TEXT ? 1 : 0;
                }
                code = frame == null ? -1 : frame.closeCode();
            } catch (java.net.SocketException reset) {
                code = 1006;
            }
            sending.set(false);
            try {
                client.write(RawWebSocket.close(1000));  // the answer, as a client does; the hub may be gone
            } catch (IOException gone) {
                // the hub did not wait for it
            }

            assertThat(code).as("close code the client read after %d of %d messages", received, messages)
                    .isEqualTo(1001);
            assertThat(received).as("messages read before the close frame").isEqualTo(messages);
            assertThat(closing.get(20, TimeUnit.SECONDS)).as("drained within the timeout").isTrue();
            sender.join(10_000);
            closer.join(10_000);
        }
        awaitBaseline();
    }

    @Test
    void lifecycleCalls_leaveNoNettyThreadLocalOnTheCallersThread() {
        assertThat(io.netty.util.internal.InternalThreadLocalMap.getIfSet()).as("precondition").isNull();

        start();
        hub.publish("room:1", "{}");
        hub.stopAccepting();
        hub.closeAll(1001, Duration.ofSeconds(1));
        hub.close();

        assertThat(io.netty.util.internal.InternalThreadLocalMap.getIfSet())
                .as("Netty's per-thread map left on the calling thread").isNull();
    }

    @Test
    void stopAccepting_refusesNewConnections_andKeepsOpenOnes() throws Exception {
        start();
        WsTestClient client = roomClient();
        int port = hub.port();

        assertThat(hub.isAccepting()).as("accepting while running").isTrue();

        hub.stopAccepting();

        assertThat(hub.isAccepting()).as("accepting after stopAccepting()").isFalse();
        // The JDK closes a listening socket's descriptor at the event loop's next select, a moment later.
        await("listening socket closed").atMost(Duration.ofSeconds(10)).until(() -> refusesConnections(port));
        assertThat(client.request("{\"op\":\"ping\"}").path("op").asText()).isEqualTo("pong");
    }

    private static boolean refusesConnections(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void close_isIdempotent_andStopsTheHubsThreads() throws Exception {
        AtomicInteger created = new AtomicInteger();
        DefaultThreadFactory names = new DefaultThreadFactory("hub-under-test", true);
        start(builder().threadFactory(runnable -> {
            created.incrementAndGet();
            return names.newThread(runnable);
        }));
        WsTestClient client = roomClient();
        subscribe(client, "room:1");

        hub.close();
        hub.close();

        assertThat(client.awaitCloseCode()).isEqualTo(1001);
        assertThat(created.get()).as("event loops started by the supplied factory").isPositive();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("hub-under-test"));
        awaitBaseline();
    }

    @Test
    void callerSuppliedGroup_isLeftRunning() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("caller-group", true),
                NioIoHandler.newFactory());
        try {
            broker = new InProcessBroker();
            hub = WebSocketHub.builder(WebSocketHubConfig.custom().port(0).bindAddress("127.0.0.1")
                    .tokenSecret(SECRET).build()).broker(broker).eventLoopGroup(group).build();
            hub.start();
            roomClient().request("{\"op\":\"ping\"}");

            hub.close();

            assertThat(group.isShuttingDown()).isFalse();
            awaitBaseline();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void startTwice_isRejected() {
        start();

        assertThatThrownBy(hub::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("start() may be called once, on a new hub; state is RUNNING");
    }

    @Test
    void portInUse_failsStartNamingTheAddress_andLeavesNoThread() {
        start();
        WebSocketHub second = WebSocketHub.builder(config().port(hub.port()).eventLoopThreads(1).build()).build();

        assertThatThrownBy(second::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("WebSocket hub could not listen on /127.0.0.1:" + hub.port())
                .hasMessageContaining("choose another port or bind address");
        second.close();
    }

    @Test
    void portBeforeStart_isRejected() {
        hub = builder().build();

        assertThatThrownBy(hub::port).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("port() is known once start() has returned");
    }

    @Test
    void closeAll_badCode_isRejected() {
        start();

        assertThatThrownBy(() -> hub.closeAll(1005, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("code must be a sendable WebSocket close code").hasMessageContaining("1005");
    }

    @Test
    void closeAll_withZeroDrain_dropsConnectionsAtOnce() throws Exception {
        start();
        WsTestClient client = roomClient();
        subscribe(client, "room:1");

        hub.closeAll(1001, Duration.ZERO);

        assertThat(client.awaitDisconnected()).isTrue();
        awaitClosed(CloseReason.SERVER_SHUTDOWN, 1);
        awaitBaseline();
    }
}
