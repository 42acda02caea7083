package dev.steadfast.websocket;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * An immutable snapshot of a hub's counters and registry sizes, taken by {@link WebSocketHub#statistics()}.
 *
 * <p>Every accepted TCP connection is either still in the registry ({@link #connections()}) or ended with exactly one
 * {@link CloseReason}: {@code accepted() == connections() + closedTotal()} once no connection is mid-accept.
 *
 * <pre>{@code
 * WebSocketStatistics stats = hub.statistics();
 * System.out.printf("%d open, %d subscriptions, %d slow consumers evicted%n",
 *     stats.webSockets(), stats.subscriptions(), stats.closed(CloseReason.SLOW_CONSUMER));
 * }</pre>
 *
 * @param connections       accepted connections not yet cleaned up (the registry's size), WebSocket or not
 * @param webSockets        connections whose WebSocket handshake completed and that are still open
 * @param accepted          TCP connections accepted since start
 * @param opened            WebSocket handshakes completed since start
 * @param closed            ended connections by reason (every reason present, zero included)
 * @param topics            topics with at least one local subscriber
 * @param subscriptions     (connection, topic) subscriptions
 * @param trackedAddresses  client addresses with at least one WebSocket connection (the per-address cap's table)
 * @param messagesIn        data frames received from clients
 * @param messagesOut       {@code message} frames written to subscribers
 * @param messagesDropped   {@code message} frames not written because the subscriber was closing or over its bound
 * @param bytesIn           WebSocket payload bytes received
 * @param bytesOut          WebSocket payload bytes written
 * @param publishes         publishes acknowledged (client {@code publish} ops and {@code POST /api/publish})
 */
public record WebSocketStatistics(
        int connections,
        int webSockets,
        long accepted,
        long opened,
        Map<CloseReason, Long> closed,
        int topics,
        int subscriptions,
        int trackedAddresses,
        long messagesIn,
        long messagesOut,
        long messagesDropped,
        long bytesIn,
        long bytesOut,
        long publishes) {

    /** Copies {@code closed} into an unmodifiable map with every reason present. */
    public WebSocketStatistics {
        EnumMap<CloseReason, Long> complete = new EnumMap<>(CloseReason.class);
        for (CloseReason reason : CloseReason.values()) {
            complete.put(reason, closed.getOrDefault(reason, 0L));
        }
        closed = Collections.unmodifiableMap(complete);
    }

    /** Connections ended for {@code reason}. */
    public long closed(CloseReason reason) {
        return closed.get(reason);
    }

    /** Connections ended for any reason. */
    public long closedTotal() {
        long total = 0;
        for (long count : closed.values()) {
            total += count;
        }
        return total;
    }

    /** Connections the hub closed because they hit a limit (reasons whose {@link CloseReason#isEviction()}). */
    public long evictions() {
        long total = 0;
        for (Map.Entry<CloseReason, Long> entry : closed.entrySet()) {
            if (entry.getKey().isEviction()) {
                total += entry.getValue();
            }
        }
        return total;
    }
}
