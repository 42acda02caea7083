package dev.steadfast.websocket;

/**
 * Why a connection accepted by the hub ended. Every accepted TCP connection ends with exactly one reason, counted in
 * {@link WebSocketStatistics#closed()}; the first cause observed wins (a slow consumer whose socket then resets is
 * still counted as {@link #SLOW_CONSUMER}).
 *
 * <pre>{@code
 * long evicted = hub.statistics().closed(CloseReason.SLOW_CONSUMER);
 * }</pre>
 */
public enum CloseReason {
    /** The client sent a close frame; the hub answered it with the same code. */
    CLIENT_CLOSED(false),
    /** The peer closed or reset the TCP connection without a close frame. */
    CONNECTION_LOST(false),
    /** An unexpected failure on the connection (logged with the connection id). */
    ERROR(false),
    /** Malformed WebSocket framing or invalid UTF-8 text; closed with 1002 or 1007. */
    PROTOCOL_VIOLATION(false),
    /** The client sent a binary frame; closed with 1003. */
    UNSUPPORTED_DATA(false),
    /** A frame or a message over its limit; closed with 1009. */
    MESSAGE_TOO_BIG(true),
    /** No pong (nor any other frame) within the idle timeout; closed with 1001. */
    HEARTBEAT_TIMEOUT(true),
    /** The upgrade request was not complete within the handshake timeout; the socket was closed. */
    HANDSHAKE_TIMEOUT(true),
    /** The upgrade was refused: malformed request (400), missing or invalid token (401), origin not allowed (403). */
    HANDSHAKE_REJECTED(false),
    /** The upgrade was refused by the per-address (429) or global (503) connection cap. */
    CONNECTION_LIMIT(true),
    /** The connection's outbound bytes exceeded the per-connection bound; closed with 1008. */
    SLOW_CONSUMER(true),
    /** The token expired while connected; closed with 1008. */
    TOKEN_EXPIRED(false),
    /** The hub closed it while shutting down ({@link WebSocketHub#closeAll} or {@link WebSocketHub#close}). */
    SERVER_SHUTDOWN(false),
    /** A plain HTTP request (a route, {@code POST /api/publish}, or a 404) was answered; not a WebSocket. */
    HTTP_EXCHANGE(false);

    private final boolean eviction;

    CloseReason(boolean eviction) {
        this.eviction = eviction;
    }

    /** Whether the hub closed the connection because it hit a limit (counted in {@link WebSocketStatistics#evictions()}). */
    public boolean isEviction() {
        return eviction;
    }
}
