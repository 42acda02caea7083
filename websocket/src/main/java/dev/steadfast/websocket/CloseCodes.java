package dev.steadfast.websocket;

/** The WebSocket close codes the hub sends (RFC 6455 section 7.4). */
final class CloseCodes {
    static final int NORMAL = 1000;
    static final int GOING_AWAY = 1001;
    static final int PROTOCOL_ERROR = 1002;
    static final int UNSUPPORTED_DATA = 1003;
    static final int POLICY_VIOLATION = 1008;
    static final int MESSAGE_TOO_BIG = 1009;
    static final int INTERNAL_ERROR = 1011;

    private CloseCodes() {
    }

    /** Whether an endpoint may send {@code code} in a close frame (1004–1006 and 1015 are reserved). */
    static boolean isSendable(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
    }

    /**
     * Whether a peer may send {@code code}: the sendable ones and the registered 1012–1014; everything else
     * (below 1000, 1004–1006, 1015, 1016–2999, 5000 and up) is a protocol error.
     */
    static boolean isValidReceived(int code) {
        return isSendable(code) || (code >= 1012 && code <= 1014);
    }
}
