package dev.steadfast.websocket;

/**
 * An extra HTTP endpoint served on the hub's port, next to the WebSocket endpoint (health checks, metrics, reports).
 *
 * <p>A route runs on the hub's {@linkplain WebSocketHub.Builder#routeExecutor(java.util.concurrent.Executor) route
 * executor} when one is configured, otherwise on the connection's event loop, where it must not block. An exception
 * thrown by a route becomes a plain {@code 500} reply; its stack trace is logged, never sent to the client.
 *
 * <pre>{@code
 * WebSocketHub hub = WebSocketHub.builder()
 *     .tokenSecret(secret)
 *     .route("GET", "/health/live", request -> HttpReply.ok("text/plain", "UP"))
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface HttpRoute {

    /**
     * Answers one request.
     *
     * @param request the complete request (headers and body already read)
     * @return the reply to send; never {@code null}
     * @throws Exception any failure, answered with {@code 500 Internal Server Error}
     */
    HttpReply handle(HttpRequestView request) throws Exception;
}
