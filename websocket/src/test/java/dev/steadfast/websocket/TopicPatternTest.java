package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicPatternTest {

    @Test
    void exactPattern_matchesOnlyItself() {
        assertThat(TopicPattern.matches("user:42", "user:42")).isTrue();
        assertThat(TopicPattern.matches("user:42", "user:420")).isFalse();
        assertThat(TopicPattern.matches("user:42", "user:4")).isFalse();
    }

    @Test
    void trailingWildcard_matchesEverySuffix() {
        assertThat(TopicPattern.matches("room:*", "room:")).isTrue();
        assertThat(TopicPattern.matches("room:*", "room:lobby")).isTrue();
        assertThat(TopicPattern.matches("room:*", "rooms")).isFalse();
        assertThat(TopicPattern.matches("room:*", "xroom:1")).isFalse();
    }

    @Test
    void loneWildcard_matchesEverything() {
        assertThat(TopicPattern.matches("*", "anything:at:all")).isTrue();
    }

    @Test
    void innerWildcards_matchInOrderWithoutOverlap() {
        assertThat(TopicPattern.matches("a*b*c", "abc")).isTrue();
        assertThat(TopicPattern.matches("a*b*c", "a-b-c")).isTrue();
        assertThat(TopicPattern.matches("a*b*c", "acb")).isFalse();
        assertThat(TopicPattern.matches("a*b*c", "abbc")).isTrue();
        assertThat(TopicPattern.matches("a*b*c", "abcc")).as("backtracks past an early match").isTrue();
        assertThat(TopicPattern.matches("ab*ba", "aba")).as("prefix and suffix may not overlap").isFalse();
    }

    @Test
    void patternWithoutWildcard_isNotAPrefixMatch() {
        assertThat(TopicPattern.matches("room", "room:1")).isFalse();
        assertThat(TopicPattern.matches("", "")).isTrue();
        assertThat(TopicPattern.matches("", "x")).isFalse();
    }
}
