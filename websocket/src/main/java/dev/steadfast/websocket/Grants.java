package dev.steadfast.websocket;

import java.time.Instant;

/**
 * What a verified token allows: its subscribe and publish topic patterns and its expiry. Kept compact (the raw
 * pattern strings, no per-pattern objects) because every open connection holds one.
 */
final class Grants {
    private final String[] subscribe;
    private final String[] publish;
    private final Instant expiresAt;

    Grants(String[] subscribe, String[] publish, Instant expiresAt) {
        this.subscribe = subscribe;
        this.publish = publish;
        this.expiresAt = expiresAt;
    }

    boolean maySubscribe(String topic) {
        return anyMatches(subscribe, topic);
    }

    boolean mayPublish(String topic) {
        return anyMatches(publish, topic);
    }

    Instant expiresAt() {
        return expiresAt;
    }

    private static boolean anyMatches(String[] patterns, String topic) {
        for (String pattern : patterns) {
            if (TopicPattern.matches(pattern, topic)) {
                return true;
            }
        }
        return false;
    }
}
