package dev.steadfast.websocket;

import java.time.Instant;
import java.util.List;

/** What a verified token allows: the subject, its subscribe and publish patterns, and when it expires. */
record Grants(String subject, List<TopicPattern> subscribe, List<TopicPattern> publish, Instant expiresAt) {

    boolean maySubscribe(String topic) {
        return anyMatches(subscribe, topic);
    }

    boolean mayPublish(String topic) {
        return anyMatches(publish, topic);
    }

    private static boolean anyMatches(List<TopicPattern> patterns, String topic) {
        for (TopicPattern pattern : patterns) {
            if (pattern.matches(topic)) {
                return true;
            }
        }
        return false;
    }
}
