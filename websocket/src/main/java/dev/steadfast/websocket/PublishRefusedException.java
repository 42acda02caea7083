package dev.steadfast.websocket;

/**
 * A publish the hub refused before acknowledging it, with the error code the client receives ({@code error} frame
 * or HTTP body): never an ack for a message that would reach nobody. An {@link IllegalStateException}, so a caller
 * of the public {@link WebSocketHub#publish} can tell a refusal while draining from a broker failure.
 */
final class PublishRefusedException extends IllegalStateException {

    /** The payload cannot be encoded for delivery (e.g. an unpaired UTF-16 surrogate); HTTP 400. */
    static final String INVALID_PAYLOAD = "invalid_payload";
    /** The hub is draining; HTTP 503. */
    static final String SHUTTING_DOWN = "shutting_down";

    private static final long serialVersionUID = 1L;

    private final String code;

    PublishRefusedException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** No stack trace: a refusal is an answer to the client, not a failure of the hub. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    String code() {
        return code;
    }

    int httpStatus() {
        return SHUTTING_DOWN.equals(code) ? 503 : 400;
    }
}
