package dev.steadfast.websocket;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A count per client address with a cap. An address's entry is removed when its count returns to zero, so the table
 * never outgrows the set of addresses that hold a slot now.
 */
final class AddressCounts {

    private final int maxPerAddress;
    private final ConcurrentHashMap<InetAddress, Integer> counts = new ConcurrentHashMap<>();

    AddressCounts(int maxPerAddress) {
        this.maxPerAddress = maxPerAddress;
    }

    /** Takes a slot for {@code address}; false, taking nothing, when it already holds the cap. */
    boolean tryAcquire(InetAddress address) {
        boolean[] acquired = {false};
        counts.compute(address, (key, count) -> {
            int current = count == null ? 0 : count;
            if (current >= maxPerAddress) {
                return count;
            }
            acquired[0] = true;
            return current + 1;
        });
        return acquired[0];
    }

    void release(InetAddress address) {
        counts.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
    }

    int trackedAddresses() {
        return counts.size();
    }
}
