package dev.steadfast.websocket;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The hub's monotonic counters; {@link LongAdder}s because every event loop updates them. */
final class HubCounters {
    final LongAdder accepted = new LongAdder();
    final LongAdder opened = new LongAdder();
    final LongAdder messagesIn = new LongAdder();
    final LongAdder messagesOut = new LongAdder();
    final LongAdder messagesDropped = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder publishes = new LongAdder();
    private final EnumMap<CloseReason, LongAdder> closed = new EnumMap<>(CloseReason.class);

    HubCounters() {
        for (CloseReason reason : CloseReason.values()) {
            closed.put(reason, new LongAdder());
        }
    }

    void closed(CloseReason reason) {
        closed.get(reason).increment();
    }

    Map<CloseReason, Long> closedSnapshot() {
        EnumMap<CloseReason, Long> snapshot = new EnumMap<>(CloseReason.class);
        closed.forEach((reason, count) -> snapshot.put(reason, count.sum()));
        return snapshot;
    }
}
