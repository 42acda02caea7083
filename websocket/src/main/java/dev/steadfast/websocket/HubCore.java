package dev.steadfast.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The state every connection of one hub shares: registry, topics, caps, counters, token verifier. */
final class HubCore {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHub.class);

    final HubSettings settings;
    final WebSocketHubConfig config;
    final HubCounters counters = new HubCounters();
    final ClientEvents events = new ClientEvents(System::nanoTime);
    final Frames frames = new Frames();
    final Topics topics;
    /** Whether the broker keeps a history: subscribes then read the topic's position (and recover {@code since}). */
    final boolean history;
    final AddressLimiter limiter;
    /** Connections that have not yet sent a complete request, capped per address and for the whole hub. */
    final PendingHandshakes pendingHandshakes;
    final TokenVerifier tokenVerifier;
    final WebSocketServerHandshakerFactory handshakerFactory;

    private final ConcurrentHashMap<Long, Connection> registry = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicInteger openWebSockets = new AtomicInteger();
    private volatile boolean accepting = true;

    HubCore(HubSettings settings) {
        this.settings = settings;
        this.config = settings.config();
        this.topics = new Topics(settings.broker(), frames);
        this.history = settings.broker().keepsHistory();
        this.limiter = new AddressLimiter(config.maxConnections(), config.maxConnectionsPerAddress());
        this.pendingHandshakes = new PendingHandshakes(config.maxPendingHandshakesPerAddress(),
                config.maxPendingHandshakes());
        this.tokenVerifier = new TokenVerifier(settings.tokenSecret(), config.tokenClockSkew(), Clock.systemUTC());
        WebSocketDecoderConfig decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(config.maxFrameSize())
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .allowExtensions(false)
                // The hub sends the close frame itself, so every violation is counted by one code path.
                .closeOnProtocolViolation(false)
                .build();
        this.handshakerFactory = new WebSocketServerHandshakerFactory("ws://localhost" + config.path(), null,
                decoderConfig);
    }

    // ---- registry ----

    Connection register(Channel channel) {
        Connection connection = new Connection(nextId.incrementAndGet(), channel, this);
        registry.put(connection.id, connection);
        counters.accepted.increment();
        channel.closeFuture().addListener(connection);
        return connection;
    }

    void unregister(Connection connection, CloseReason reason) {
        registry.remove(connection.id, connection);
        counters.closed(reason);
        LOG.debug("{} cleaned up", connection);
    }

    /** The registered connections now (a copy). */
    List<Connection> connections() {
        return new ArrayList<>(registry.values());
    }

    void webSocketOpened() {
        openWebSockets.incrementAndGet();
        counters.opened.increment();
    }

    void webSocketClosed() {
        openWebSockets.decrementAndGet();
    }

    boolean accepting() {
        return accepting;
    }

    void stopAccepting() {
        accepting = false;
    }

    // ---- shutdown ----

    boolean closeAll(int code, Duration drain) {
        List<Connection> open = new ArrayList<>(registry.values());
        if (open.isEmpty()) {
            return true;
        }
        CountDownLatch cleanedUp = new CountDownLatch(open.size());
        for (Connection connection : open) {
            // Added after the connection's own cleanup listener, so it counts down once cleanup has run.
            connection.channel.closeFuture().addListener(future -> cleanedUp.countDown());
            connection.closeWith(code, "server shutting down", CloseReason.SERVER_SHUTDOWN, drain.toNanos());
        }
        boolean drained = await(cleanedUp, drain);
        if (!drained) {
            LOG.warn("{} of {} connections did not close within {}; dropping them", cleanedUp.getCount(),
                    open.size(), drain);
            for (Connection connection : open) {
                connection.channel.close();
            }
            await(cleanedUp, config.closeTimeout());
        }
        return drained;
    }

    private static boolean await(CountDownLatch latch, Duration timeout) {
        try {
            return latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return latch.getCount() == 0;
        }
    }

    // ---- publishing ----

    CompletionStage<Void> publishFromServer(String topic, String payload) {
        String problem = Frames.topicProblem(topic);
        if (problem != null) {
            throw new IllegalArgumentException(problem + ": '" + topic + "'");
        }
        JsonNode node;
        try {
            node = frames.parse(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("payload must be JSON text: " + e.getMessage(), e);
        }
        if (node == null || node.isMissingNode()) {
            throw new IllegalArgumentException("payload must be JSON text: it is empty");
        }
        String json = frames.json(node);
        String payloadProblem = Frames.payloadProblem(json);
        if (payloadProblem != null) {
            throw new IllegalArgumentException(payloadProblem);
        }
        return publish(topic, json);
    }

    /**
     * Publishes through the broker; counts the publish once the broker accepted it. Refused, never acknowledged,
     * when the payload could not be delivered ({@code invalid_payload}) or the hub is draining ({@code shutting_down}).
     */
    CompletionStage<Void> publish(String topic, String payloadJson) {
        if (!accepting) {
            return CompletableFuture.failedFuture(new PublishRefusedException(PublishRefusedException.SHUTTING_DOWN,
                    "the server is shutting down and accepts no more publishes; publish again once reconnected"));
        }
        String payloadProblem = Frames.payloadProblem(payloadJson);
        if (payloadProblem != null) {
            return CompletableFuture.failedFuture(new PublishRefusedException(PublishRefusedException.INVALID_PAYLOAD,
                    payloadProblem));
        }
        CompletionStage<Void> accepted;
        try {
            accepted = settings.broker().publish(topic, payloadJson);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return accepted.thenRun(counters.publishes::increment);
    }

    /** The {@link BrokerException} behind a failed broker stage, or the failure itself. */
    static Throwable brokerRefusal(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    // ---- statistics ----

    WebSocketStatistics statistics() {
        return new WebSocketStatistics(
                registry.size(),
                openWebSockets.get(),
                counters.accepted.sum(),
                counters.opened.sum(),
                counters.closedSnapshot(),
                topics.topicCount(),
                topics.subscriptionCount(),
                limiter.trackedAddresses() + pendingHandshakes.trackedAddresses(),
                counters.messagesIn.sum(),
                counters.messagesOut.sum(),
                counters.messagesDropped.sum(),
                counters.bytesIn.sum(),
                counters.bytesOut.sum(),
                counters.publishes.sum());
    }
}
