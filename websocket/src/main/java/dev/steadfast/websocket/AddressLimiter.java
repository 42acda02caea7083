package dev.steadfast.websocket;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** The per-address and global WebSocket connection caps. */
final class AddressLimiter {

    enum Verdict { ACCEPTED, ADDRESS_FULL, HUB_FULL }

    private final int maxTotal;
    private final AtomicInteger total = new AtomicInteger();
    private final AddressCounts perAddress;

    AddressLimiter(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.perAddress = new AddressCounts(maxPerAddress);
    }

    Verdict tryAcquire(InetAddress address) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Verdict.HUB_FULL;
        }
        if (!perAddress.tryAcquire(address)) {
            total.decrementAndGet();
            return Verdict.ADDRESS_FULL;
        }
        return Verdict.ACCEPTED;
    }

    void release(InetAddress address) {
        perAddress.release(address);
        total.decrementAndGet();
    }

    int trackedAddresses() {
        return perAddress.trackedAddresses();
    }

    int total() {
        return total.get();
    }
}
