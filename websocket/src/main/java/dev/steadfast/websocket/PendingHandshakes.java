package dev.steadfast.websocket;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections that have not sent a complete request yet, under two caps: per client address (a connection over it
 * is refused) and for the whole hub (a connection over it pushes out the oldest pending one). Oldest means first
 * registered: connection ids grow in registration order.
 */
final class PendingHandshakes {

    private final AddressCounts perAddress;
    private final int maxTotal;
    private final ConcurrentSkipListMap<Long, Connection> byAge = new ConcurrentSkipListMap<>();
    /** The size of {@link #byAge}, which the skip list itself counts only by walking it. */
    private final AtomicInteger total = new AtomicInteger();

    PendingHandshakes(int maxPerAddress, int maxTotal) {
        this.perAddress = new AddressCounts(maxPerAddress);
        this.maxTotal = maxTotal;
    }

    /** Counts {@code connection} as pending; false, counting nothing, when its address already holds its cap. */
    boolean tryAdd(Connection connection) {
        if (!perAddress.tryAcquire(address(connection))) {
            return false;
        }
        byAge.put(connection.id, connection);
        total.incrementAndGet();
        return true;
    }

    /**
     * The oldest pending connection, no longer counted against the hub-wide cap, when the hub holds more than the
     * cap; null otherwise. Its address keeps the slot until {@link #remove} (its cleanup) releases it.
     */
    Connection oldestOverCap() {
        if (total.get() <= maxTotal) {
            return null;
        }
        Map.Entry<Long, Connection> oldest = byAge.pollFirstEntry();
        if (oldest == null) {
            return null;
        }
        total.decrementAndGet();
        return oldest.getValue();
    }

    /** {@code connection} (counted by {@link #tryAdd}) completed its request or ended. */
    void remove(Connection connection) {
        if (byAge.remove(connection.id, connection)) {
            total.decrementAndGet();
        }
        perAddress.release(address(connection));
    }

    int total() {
        return total.get();
    }

    int trackedAddresses() {
        return perAddress.trackedAddresses();
    }

    private static InetAddress address(Connection connection) {
        return connection.remoteAddress.getAddress();
    }
}
