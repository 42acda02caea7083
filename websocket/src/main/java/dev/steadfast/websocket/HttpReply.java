package dev.steadfast.websocket;

import java.util.Objects;

/**
 * An immutable HTTP reply produced by an {@link HttpRoute}: status code, content type and a UTF-8 body.
 *
 * <pre>{@code
 * HttpReply ready = HttpReply.ok("application/json", "{\"status\":\"UP\"}");
 * HttpReply notReady = HttpReply.status(503, "text/plain", "starting");
 * }</pre>
 */
public final class HttpReply {

    /** Content type of plain-text replies. */
    public static final String TEXT_PLAIN = "text/plain; charset=utf-8";
    /** Content type of JSON replies. */
    public static final String APPLICATION_JSON = "application/json; charset=utf-8";

    private final int status;
    private final String contentType;
    private final String body;

    private HttpReply(int status, String contentType, String body) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be an HTTP status code between 100 and 599: " + status);
        }
        this.status = status;
        this.contentType = Objects.requireNonNull(contentType, "contentType");
        this.body = Objects.requireNonNull(body, "body");
    }

    /**
     * A {@code 200 OK} reply.
     *
     * @throws NullPointerException if an argument is {@code null}
     */
    public static HttpReply ok(String contentType, String body) {
        return new HttpReply(200, contentType, body);
    }

    /**
     * A reply with any status.
     *
     * @throws IllegalArgumentException if {@code status} is not between 100 and 599
     */
    public static HttpReply status(int status, String contentType, String body) {
        return new HttpReply(status, contentType, body);
    }

    /** A plain-text reply with the given status. */
    public static HttpReply text(int status, String body) {
        return new HttpReply(status, TEXT_PLAIN, body);
    }

    /** A JSON reply with the given status; {@code json} must already be JSON text. */
    public static HttpReply json(int status, String json) {
        return new HttpReply(status, APPLICATION_JSON, json);
    }

    /** The HTTP status code. */
    public int status() {
        return status;
    }

    /** The {@code Content-Type} header value. */
    public String contentType() {
        return contentType;
    }

    /** The body, sent UTF-8 encoded. */
    public String body() {
        return body;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HttpReply that
                && status == that.status && contentType.equals(that.contentType) && body.equals(that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, contentType, body);
    }

    @Override
    public String toString() {
        return "HttpReply[" + status + " " + contentType + ", " + body.length() + " chars]";
    }
}
