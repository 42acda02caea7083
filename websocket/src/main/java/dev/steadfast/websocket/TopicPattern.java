package dev.steadfast.websocket;

/**
 * Matching of topic patterns from token claims: exact ({@code user:42}) or with {@code *} wildcards matching any run
 * of characters ({@code room:*}, {@code *}). Patterns stay plain strings (no compiled form per connection) because a
 * hub holds one set per open connection.
 */
final class TopicPattern {

    private TopicPattern() {
    }

    /** Whether {@code topic} matches {@code pattern}; linear in practice, no allocation. */
    static boolean matches(String pattern, String topic) {
        int p = 0;
        int t = 0;
        int starAt = -1;
        int resumeAt = 0;
        while (t < topic.length()) {
            if (p < pattern.length() && pattern.charAt(p) != '*' && pattern.charAt(p) == topic.charAt(t)) {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                // Let the star match nothing for now; come back and let it take one more character on a mismatch.
                starAt = p++;
                resumeAt = t;
            } else if (starAt >= 0) {
                p = starAt + 1;
                t = ++resumeAt;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
