package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Client-caused events: every one counted, at most one line per window, the next line saying how many were left out. */
class ClientEventsTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final List<String> lines = new ArrayList<>();
    private final ClientEvents events = new ClientEvents(now::get);
    private final InetSocketAddress client = new InetSocketAddress("10.0.0.7", 40000);

    ClientEventsTest() {
        events.sink(lines::add);
    }

    private void advanceSeconds(long seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void aFlood_isOneLinePerWindow_thenASummary_andEveryEventCounted() {
        for (int i = 0; i < 10_000; i++) {
            events.report(ClientEvents.Kind.BAD_HANDSHAKE, client, "expected 'Connection: Upgrade' (400)");
        }
        advanceSeconds(ClientEvents.WINDOW_SECONDS);
        events.report(ClientEvents.Kind.BAD_HANDSHAKE, client, "expected 'Connection: Upgrade' (400)");

        assertThat(lines).containsExactly(
                "WebSocket client 10.0.0.7:40000: expected 'Connection: Upgrade' (400) [bad_handshake]",
                "WebSocket client 10.0.0.7:40000: expected 'Connection: Upgrade' (400) [bad_handshake]"
                        + " (suppressed 9999 similar in the last 60 s)");
        assertThat(events.count(ClientEvents.Kind.BAD_HANDSHAKE)).isEqualTo(10_001);
    }

    @Test
    void kinds_haveTheirOwnWindows() {
        events.report(ClientEvents.Kind.BAD_HANDSHAKE, client, "a");
        events.report(ClientEvents.Kind.MALFORMED_REQUEST, client, "b");

        assertThat(lines).hasSize(2);
    }

    @Test
    void perAddressRefusals_areOneLinePerAddress() {
        InetSocketAddress other = new InetSocketAddress("10.0.0.8", 40000);
        for (int i = 0; i < 5; i++) {
            events.reportPerAddress(ClientEvents.Kind.ORIGIN_NOT_ALLOWED, client, "origin x");
            events.reportPerAddress(ClientEvents.Kind.ORIGIN_NOT_ALLOWED, other, "origin x");
        }

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).startsWith("WebSocket client 10.0.0.8:40000: origin x");
        assertThat(events.count(ClientEvents.Kind.ORIGIN_NOT_ALLOWED)).isEqualTo(10);
    }

    @Test
    void manyAddresses_shareTheKindsWindowBeyondTheBound_soMemoryStaysBounded() {
        for (int i = 0; i < ClientEvents.MAX_ADDRESS_WINDOWS + 500; i++) {
            InetSocketAddress address = new InetSocketAddress("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "."
                    + (i & 255), 1);
            events.reportPerAddress(ClientEvents.Kind.BAD_TOKEN, address, "token refused");
        }

        assertThat(lines).hasSize(ClientEvents.MAX_ADDRESS_WINDOWS + 1);
        assertThat(events.count(ClientEvents.Kind.BAD_TOKEN)).isEqualTo(ClientEvents.MAX_ADDRESS_WINDOWS + 500);
    }
}
