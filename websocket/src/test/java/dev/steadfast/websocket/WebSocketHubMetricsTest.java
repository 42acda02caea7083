package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Micrometer binder exposes the statistics with the documented names and tags. */
class WebSocketHubMetricsTest extends HubTestSupport {

    @Test
    void meters_followConnectionsSubscriptionsAndCloseReasons() throws Exception {
        start();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        hub.meterBinder().bindTo(registry);
        WsTestClient client = roomClient();
        subscribe(client, "room:1");

        assertThat(registry.get("steadfast.websocket.connections").tag("state", "open").gauge().value())
                .isEqualTo(1.0);
        assertThat(registry.get("steadfast.websocket.subscriptions").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("steadfast.websocket.messages").tag("direction", "in").functionCounter().count())
                .isEqualTo(1.0);

        client.closeNormally();
        awaitBaseline();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(registry
                .get("steadfast.websocket.connections.closed").tag("reason", "client_closed").functionCounter()
                .count()).isEqualTo(1.0));
        assertThat(registry.get("steadfast.websocket.connections").tag("state", "all").gauge().value()).isZero();
        assertThat(registry.get("steadfast.websocket.connections.closed").tag("reason", "slow_consumer")
                .tag("eviction", "true").functionCounter().count()).isZero();
    }

    @Test
    void clientEvents_areCountedByKind_andEveryMeterHasAHelpText() throws Exception {
        start();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        hub.meterBinder().bindTo(registry);

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.upgradeRequest("/ws")
                .replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"));

        assertThat(response.status()).isEqualTo(426);
        assertThat(registry.get("steadfast.websocket.client.events").tag("kind", "unsupported_version")
                .functionCounter().count()).isEqualTo(1.0);
        assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getDescription())
                .as("description of %s", meter.getId()).isNotBlank());
        awaitBaseline();
    }
}
