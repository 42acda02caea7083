package dev.steadfast.websocket;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * Publishes a hub's {@link WebSocketStatistics} to Micrometer: gauges {@code steadfast.websocket.connections}
 * (tag {@code state=all|open}), {@code .topics}, {@code .subscriptions}, {@code .tracked.addresses}; counters
 * {@code steadfast.websocket.connections.accepted}, {@code .opened}, {@code .closed} (tag {@code reason}, one per
 * {@link CloseReason}, and {@code eviction=true|false}), {@code .messages} (tag {@code direction=in|out|dropped}),
 * {@code .bytes} (tag {@code direction=in|out}), {@code .publishes}, {@code .client.events} (tag {@code kind}: what
 * clients did wrong, e.g. {@code bad_handshake}, {@code origin_not_allowed}, {@code slow_consumer}).
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * hub.meterBinder().bindTo(registry);
 * }</pre>
 */
public final class WebSocketHubMetrics implements MeterBinder {

    private static final String PREFIX = "steadfast.websocket.";

    private final WebSocketHub hub;

    /** A binder for {@code hub}; prefer {@link WebSocketHub#meterBinder()}. */
    public WebSocketHubMetrics(WebSocketHub hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(PREFIX + "connections", hub, h -> h.statistics().connections())
                .tag("state", "all").description("Accepted connections not yet cleaned up").register(registry);
        Gauge.builder(PREFIX + "connections", hub, h -> h.statistics().webSockets())
                .tag("state", "open").description("Open WebSocket connections").register(registry);
        Gauge.builder(PREFIX + "topics", hub, h -> h.statistics().topics())
                .description("Topics with at least one local subscriber").register(registry);
        Gauge.builder(PREFIX + "subscriptions", hub, h -> h.statistics().subscriptions())
                .description("Topic subscriptions of open connections").register(registry);
        Gauge.builder(PREFIX + "tracked.addresses", hub, h -> h.statistics().trackedAddresses())
                .description("Client addresses counted by the per-address cap").register(registry);
        counter(registry, "connections.accepted", "TCP connections accepted", WebSocketStatistics::accepted);
        counter(registry, "connections.opened", "WebSocket handshakes completed", WebSocketStatistics::opened);
        for (CloseReason reason : CloseReason.values()) {
            FunctionCounter.builder(PREFIX + "connections.closed", hub, h -> h.statistics().closed(reason))
                    .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                    .tag("eviction", Boolean.toString(reason.isEviction()))
                    .description("Connections ended, by reason").register(registry);
        }
        String messages = "WebSocket data frames received (in), message frames written (out) or not written to a"
                + " closing or slow subscriber (dropped)";
        directional(registry, "messages", messages, "in", WebSocketStatistics::messagesIn);
        directional(registry, "messages", messages, "out", WebSocketStatistics::messagesOut);
        directional(registry, "messages", messages, "dropped", WebSocketStatistics::messagesDropped);
        String bytes = "WebSocket payload bytes received (in) and queued for clients (out)";
        directional(registry, "bytes", bytes, "in", WebSocketStatistics::bytesIn);
        directional(registry, "bytes", bytes, "out", WebSocketStatistics::bytesOut);
        counter(registry, "publishes", "Publishes acknowledged", WebSocketStatistics::publishes);
        ClientEvents events = hub.core().events;
        for (ClientEvents.Kind kind : ClientEvents.Kind.values()) {
            FunctionCounter.builder(PREFIX + "client.events", events, e -> e.count(kind))
                    .tag("kind", kind.tag)
                    .description("Client-caused errors and refusals, by kind (logged rate-limited)")
                    .register(registry);
        }
    }

    private void counter(MeterRegistry registry, String name, String description,
                         ToLongFunction<WebSocketStatistics> value) {
        FunctionCounter.builder(PREFIX + name, hub, h -> value.applyAsLong(h.statistics()))
                .description(description).register(registry);
    }

    private void directional(MeterRegistry registry, String name, String description, String direction,
                             ToLongFunction<WebSocketStatistics> value) {
        FunctionCounter.builder(PREFIX + name, hub, h -> value.applyAsLong(h.statistics()))
                .tag("direction", direction).description(description).register(registry);
    }
}
