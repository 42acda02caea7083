package dev.steadfast.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"0, PT0S", "250ns, PT0.00000025S", "3us, PT0.000003S", "500ms, PT0.5S", "10s, PT10S",
        "2 m, PT2M", "1H, PT1H", "1d, PT24H", "PT0.5S, PT0.5S", "P1D, PT24H", "' 7s ', PT7S"})
    void everyUnitAndIso8601_areRead(String text, String expected) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
    }

    @Test
    void notADuration_namesTheTextAndTheGrammar() {
        assertThatThrownBy(() -> Durations.parse("forever"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a duration: 'forever' (write e.g. 500ms, 10s, 2m, 1h, 1d or ISO-8601 PT0.5S)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5s", "PT-1S"})
    void negative_isRefused(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void nonZeroWithoutUnit_isRefused() {
        assertThatThrownBy(() -> Durations.parse("500"))
                .hasMessageStartingWith("a non-zero duration needs a unit (ns, us, ms, s, m, h, d): '500'");
    }

    @Test
    void tooLarge_isRefusedNotWrapped() {
        assertThatThrownBy(() -> Durations.parse("99999999999999999999s")).hasMessageStartingWith("duration too large");
        assertThatThrownBy(() -> Durations.parse("9223372036854775807d")).hasMessageStartingWith("duration too large");
    }

    @Test
    void parsePositive_refusesZero() {
        assertThatThrownBy(() -> Durations.parsePositive("0s")).hasMessage("must be positive: '0s'");
        assertThat(Durations.parsePositive("1ms")).isEqualTo(Duration.ofMillis(1));
    }

    @ParameterizedTest
    @CsvSource({"PT0S, 0", "PT10S, 10s", "PT2M, 2m", "PT1H, 1h", "PT48H, 2d", "PT1.5S, 1500ms", "PT90S, 90s"})
    void format_writesTheLargestExactUnit_andReadsBack(String iso, String expected) {
        Duration duration = Duration.parse(iso);
        assertThat(Durations.format(duration)).isEqualTo(expected);
        assertThat(Durations.parse(Durations.format(duration))).isEqualTo(duration);
    }
}
