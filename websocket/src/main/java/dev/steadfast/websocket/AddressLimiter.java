package dev.steadfast.websocket;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-address and global WebSocket connection caps. An address's entry is removed when its count returns to
 * zero, so the table never outgrows the set of currently connected addresses.
 */
final class AddressLimiter {

    enum Verdict { ACCEPTED, ADDRESS_FULL, HUB_FULL }

    private final int maxTotal;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

    AddressLimiter(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    Verdict tryAcquire(InetAddress address) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Verdict.HUB_FULL;
        }
        boolean[] acquired = {false};
        perAddress.compute(address, (key, count) -> {
            int current = count == null ? 0 : count;
            if (current >= maxPerAddress) {
                return count;
            }
            acquired[0] = true;
            return current + 1;
        });
        if (!acquired[0]) {
            total.decrementAndGet();
            return Verdict.ADDRESS_FULL;
        }
        return Verdict.ACCEPTED;
    }

    void release(InetAddress address) {
        perAddress.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
        total.decrementAndGet();
    }

    int trackedAddresses() {
        return perAddress.size();
    }

    int total() {
        return total.get();
    }
}
