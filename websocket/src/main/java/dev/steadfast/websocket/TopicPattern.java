package dev.steadfast.websocket;

/**
 * A topic pattern from a token claim: exact ({@code user:42}) or with {@code *} wildcards matching any run of
 * characters ({@code room:*}, {@code *}).
 */
final class TopicPattern {
    private final String pattern;
    private final String[] parts;

    TopicPattern(String pattern) {
        this.pattern = pattern;
        this.parts = pattern.indexOf('*') < 0 ? null : pattern.split("\\*", -1);
    }

    boolean matches(String topic) {
        if (parts == null) {
            return pattern.equals(topic);
        }
        // parts[0] anchors the start, parts[last] the end; the ones between are found left to right (greedy-safe).
        String first = parts[0];
        String last = parts[parts.length - 1];
        if (topic.length() < first.length() + last.length() || !topic.startsWith(first) || !topic.endsWith(last)) {
            return false;
        }
        int position = first.length();
        int end = topic.length() - last.length();
        for (int i = 1; i < parts.length - 1; i++) {
            int found = topic.indexOf(parts[i], position);
            if (found < 0 || found + parts[i].length() > end) {
                return false;
            }
            position = found + parts[i].length();
        }
        return true;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
