package dev.steadfast.websocket;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/** The validated, immutable configuration a {@link WebSocketHub.Builder} produces. */
record HubSettings(
        String bindAddress,
        int port,
        String path,
        int maxFrameSize,
        int maxMessageSize,
        Duration handshakeTimeout,
        Duration pingInterval,
        Duration idleTimeout,
        Duration closeTimeout,
        int maxConnections,
        int maxConnectionsPerAddress,
        int maxOutboundBytes,
        int maxSubscriptionsPerConnection,
        byte[] tokenSecret,
        Duration tokenClockSkew,
        Set<String> allowedOrigins,
        Optional<String> publishApiKey,
        MessageBroker broker,
        Optional<EventLoopGroup> eventLoopGroup,
        Optional<ThreadFactory> threadFactory,
        int eventLoopThreads,
        Map<String, Map<String, HttpRoute>> routesByPath,
        Optional<Executor> routeExecutor) {

    boolean anyOriginAllowed() {
        return allowedOrigins.contains("*");
    }

    List<String> routeMethods(String routePath) {
        Map<String, HttpRoute> byMethod = routesByPath.get(routePath);
        return byMethod == null ? List.of() : List.copyOf(byMethod.keySet());
    }
}
