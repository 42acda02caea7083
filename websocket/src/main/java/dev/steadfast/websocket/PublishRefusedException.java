package dev.steadfast.websocket;

/**
 * A publish the hub refused before acknowledging it, with the error code the client receives ({@code error} frame
 * or HTTP body): never an ack for a message that would reach nobody.
 */
final class PublishRefusedException extends RuntimeException {

    /** The payload cannot be encoded for delivery (e.g. an unpaired UTF-16 surrogate); HTTP 400. */
    static final String INVALID_PAYLOAD = "invalid_payload";
    /** The hub is draining; HTTP 503. */
    static final String SHUTTING_DOWN = "shutting_down";

    private static final long serialVersionUID = 1L;

    private final String code;

    PublishRefusedException(String code, String message) {
        // No stack trace: a refusal is an answer to the client, not a failure of the hub.
        super(message, null, false, false);
        this.code = code;
    }

    String code() {
        return code;
    }

    int httpStatus() {
        return SHUTTING_DOWN.equals(code) ? 503 : 400;
    }
}
