package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicPatternTest {

    @Test
    void exactPattern_matchesOnlyItself() {
        TopicPattern pattern = new TopicPattern("user:42");

        assertThat(pattern.matches("user:42")).isTrue();
        assertThat(pattern.matches("user:420")).isFalse();
        assertThat(pattern.matches("user:4")).isFalse();
    }

    @Test
    void trailingWildcard_matchesEverySuffix() {
        TopicPattern pattern = new TopicPattern("room:*");

        assertThat(pattern.matches("room:")).isTrue();
        assertThat(pattern.matches("room:lobby")).isTrue();
        assertThat(pattern.matches("rooms")).isFalse();
        assertThat(pattern.matches("xroom:1")).isFalse();
    }

    @Test
    void loneWildcard_matchesEverything() {
        assertThat(new TopicPattern("*").matches("anything:at:all")).isTrue();
    }

    @Test
    void innerWildcards_matchInOrderWithoutOverlap() {
        TopicPattern pattern = new TopicPattern("a*b*c");

        assertThat(pattern.matches("abc")).isTrue();
        assertThat(pattern.matches("a-b-c")).isTrue();
        assertThat(pattern.matches("acb")).isFalse();
        assertThat(pattern.matches("abbc")).isTrue();
        assertThat(new TopicPattern("ab*ba").matches("aba")).as("prefix and suffix may not overlap").isFalse();
    }
}
