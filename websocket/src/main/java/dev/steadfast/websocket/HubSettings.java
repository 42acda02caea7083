package dev.steadfast.websocket;

import io.netty.channel.EventLoopGroup;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * What a {@link WebSocketHub.Builder} hands the hub: the value settings, the token secret they were checked to
 * hold, and the parts that are objects (broker, event loops, routes).
 */
record HubSettings(
        WebSocketHubConfig config,
        byte[] tokenSecret,
        MessageBroker broker,
        Optional<EventLoopGroup> eventLoopGroup,
        Optional<ThreadFactory> threadFactory,
        Map<String, Map<String, HttpRoute>> routesByPath,
        Optional<Executor> routeExecutor) {

    List<String> routeMethods(String routePath) {
        Map<String, HttpRoute> byMethod = routesByPath.get(routePath);
        return byMethod == null ? List.of() : List.copyOf(byMethod.keySet());
    }
}
