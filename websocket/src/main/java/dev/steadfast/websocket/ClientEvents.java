package dev.steadfast.websocket;

import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What clients did wrong, as the operator sees it: every event counted by {@link Kind} (published as the metric
 * {@code steadfast.websocket.client.events}), and logged as one INFO line without a stack trace, at most once per
 * {@link #WINDOW} per kind — or per kind and client address for refusals an operator may have caused by
 * configuration (origin, token) — the next line saying how many similar ones were left out. A client therefore
 * cannot make the log grow faster than a few lines per window, whatever it sends; stack traces are left for the
 * hub's own failures.
 */
final class ClientEvents {

    /** The kinds of client-caused events; the metric's {@code kind} tag is the lower-case name. */
    enum Kind {
        /** An upgrade request missing what RFC 6455 requires (400). */
        BAD_HANDSHAKE,
        /** A WebSocket version other than 13, including the legacy Hixie-76 handshake (426). */
        UNSUPPORTED_VERSION,
        /** A request line or headers over their limits (414, 431), or an unparseable request (400). */
        MALFORMED_REQUEST,
        /** The client closed or reset the connection in the middle of its request or a message. */
        INCOMPLETE_REQUEST,
        /** An upgrade from a page whose origin is not allowed (403). */
        ORIGIN_NOT_ALLOWED,
        /** An upgrade without a token, or with an invalid or expired one (401). */
        BAD_TOKEN,
        /** A publish API request without the API key, or with a wrong one (401). */
        BAD_API_KEY,
        /** Bad WebSocket framing, invalid UTF-8 or an invalid close code (1002, 1007). */
        PROTOCOL_VIOLATION,
        /** A client that did not read what was sent to it (1008). */
        SLOW_CONSUMER,
        /** Too many connections from one address that have not completed their request. */
        PENDING_HANDSHAKE_LIMIT,
        /** Too many connections in the whole hub that have not completed their request: the oldest was closed. */
        PENDING_HANDSHAKE_HUB_LIMIT,
        /** A request not completed within the handshake timeout. */
        HANDSHAKE_TIMEOUT;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** The log's rate limit: at most one line per kind (and address, for refusals) in this window. */
    static final long WINDOW_SECONDS = 60;
    /** Bound on the (kind, address) windows remembered; beyond it refusals share their kind's window. */
    static final int MAX_ADDRESS_WINDOWS = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHub.class);
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);

    private final EnumMap<Kind, LongAdder> counts = new EnumMap<>(Kind.class);
    private final EnumMap<Kind, Window> kindWindows = new EnumMap<>(Kind.class);
    private final ConcurrentHashMap<String, Window> addressWindows = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private volatile Consumer<String> sink = LOG::info;

    ClientEvents(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        for (Kind kind : Kind.values()) {
            counts.put(kind, new LongAdder());
            kindWindows.put(kind, new Window());
        }
    }

    /** Counts the event and logs {@code detail} unless this kind was logged within the window. */
    void report(Kind kind, InetSocketAddress client, String detail) {
        counts.get(kind).increment();
        log(kindWindows.get(kind), kind, client, detail);
    }

    /**
     * Counts the event and logs {@code detail} unless this kind was logged for this client address within the
     * window: for refusals whose fix is on the operator's side, each refused client is worth one line.
     */
    void reportPerAddress(Kind kind, InetSocketAddress client, String detail) {
        counts.get(kind).increment();
        String key = kind.tag + " " + (client == null ? "?" : client.getAddress().getHostAddress());
        Window window = addressWindows.get(key);
        if (window == null) {
            if (addressWindows.size() >= MAX_ADDRESS_WINDOWS) {
                long now = nanoClock.getAsLong();
                addressWindows.values().removeIf(w -> w.expired(now));
            }
            window = addressWindows.size() < MAX_ADDRESS_WINDOWS
                    ? addressWindows.computeIfAbsent(key, k -> new Window()) : kindWindows.get(kind);
        }
        log(window, kind, client, detail);
    }

    private void log(Window window, Kind kind, InetSocketAddress client, String detail) {
        long suppressed = window.admit(nanoClock.getAsLong());
        if (suppressed < 0) {
            return;
        }
        String line = "WebSocket client " + (client == null ? "?" : client.getAddress().getHostAddress() + ":"
                + client.getPort()) + ": " + detail + " [" + kind.tag + "]"
                + (suppressed > 0 ? " (suppressed " + suppressed + " similar in the last " + WINDOW_SECONDS + " s)"
                : "");
        sink.accept(line);
    }

    long count(String kindTag) {
        return counts.get(Kind.valueOf(kindTag.toUpperCase(Locale.ROOT))).sum();
    }

    long count(Kind kind) {
        return counts.get(kind).sum();
    }

    Map<Kind, Long> counts() {
        EnumMap<Kind, Long> snapshot = new EnumMap<>(Kind.class);
        counts.forEach((kind, count) -> snapshot.put(kind, count.sum()));
        return snapshot;
    }

    /** Test seam: where lines go instead of the log. */
    void sink(Consumer<String> lines) {
        this.sink = lines;
    }

    /** One rate-limit window: admits the first event of each window and counts the rest. */
    private static final class Window {
        private long startNanos;
        private boolean started;
        private long suppressed;

        /** -1 if the event is suppressed, else how many were suppressed since the last admitted one. */
        synchronized long admit(long now) {
            if (started && now - startNanos < WINDOW_NANOS) {
                suppressed++;
                return -1;
            }
            started = true;
            startNanos = now;
            long before = suppressed;
            suppressed = 0;
            return before;
        }

        synchronized boolean expired(long now) {
            return now - startNanos >= WINDOW_NANOS;
        }
    }
}
