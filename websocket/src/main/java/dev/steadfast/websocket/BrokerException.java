package dev.steadfast.websocket;

/**
 * A broker refused an operation for a reason the client should see by name: the hub answers with an {@code error}
 * frame carrying {@link #code()} (or HTTP 503 for {@code POST /api/publish}) and never acknowledges the publish.
 *
 * <pre>{@code
 * return CompletableFuture.failedFuture(BrokerException.unavailable("Redis at 127.0.0.1:6379 is disconnected"));
 * }</pre>
 */
public final class BrokerException extends RuntimeException {

    /** The broker cannot reach its backend; nothing was published. */
    public static final String UNAVAILABLE = "broker_unavailable";
    /** Too many publishes are waiting for the backend; this one was refused before it was sent. */
    public static final String OVERLOADED = "broker_overloaded";

    private static final long serialVersionUID = 1L;

    private final String code;

    private BrokerException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** {@value #UNAVAILABLE}: the backend is unreachable; {@code message} names it and the cause. */
    public static BrokerException unavailable(String message, Throwable cause) {
        return new BrokerException(UNAVAILABLE, message, cause);
    }

    /** {@value #OVERLOADED}: the bounded queue of in-flight publishes is full. */
    public static BrokerException overloaded(String message) {
        return new BrokerException(OVERLOADED, message, null);
    }

    /** The error code sent to the client ({@value #UNAVAILABLE} or {@value #OVERLOADED}). */
    public String code() {
        return code;
    }
}
