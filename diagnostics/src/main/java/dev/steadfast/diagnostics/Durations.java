package dev.steadfast.diagnostics;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of Steadfast, used wherever a person writes a duration as text: the server's flags,
 * environment variables and configuration file, and the {@code junit} module's annotations and configuration
 * parameters. One grammar, one error message, one place to change it.
 *
 * <p>Accepted: a whole number followed by a unit ({@code ns}, {@code us}, {@code ms}, {@code s}, {@code m},
 * {@code h}, {@code d}; case-insensitive, a space between number and unit allowed), {@code 0} alone, or ISO-8601
 * ({@code PT0.5S}, {@code P1D}). Negative durations are refused: nothing configured in Steadfast runs backwards.
 *
 * <pre>{@code
 * Duration drain = Durations.parse("10s");          // PT10S
 * Duration linger = Durations.parse("PT0.5S");      // PT0.5S
 * Durations.parsePositive("0");                     // IllegalArgumentException: must be positive: '0'
 * Durations.format(Duration.ofMillis(1500));        // "1500ms", parsed back by parse()
 * }</pre>
 */
public final class Durations {

    /** How a duration is written, for help texts and error messages. */
    public static final String GRAMMAR = "write e.g. 500ms, 10s, 2m, 1h, 1d or ISO-8601 PT0.5S";

    private static final Pattern NUMBER_WITH_UNIT = Pattern.compile("(\\d+)\\s*(ns|us|µs|μs|ms|s|m|h|d)?");

    private Durations() {
    }

    /**
     * Parses a duration written in the grammar above.
     *
     * @param text e.g. {@code 500ms}, {@code 10s}, {@code 2 m}, {@code 0} or {@code PT10S}
     * @return the duration, never negative
     * @throws IllegalArgumentException naming the text and how to write a duration
     */
    public static Duration parse(String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.trim();
        Matcher matcher = NUMBER_WITH_UNIT.matcher(trimmed.toLowerCase(Locale.ROOT));
        if (matcher.matches()) {
            String unit = matcher.group(2);
            long amount;
            try {
                amount = Long.parseLong(matcher.group(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("duration too large: '" + text + "'", e);
            }
            if (unit == null && amount != 0) {
                throw new IllegalArgumentException("a non-zero duration needs a unit (ns, us, ms, s, m, h, d): '"
                        + text + "' (" + GRAMMAR + ")");
            }
            try {
                return of(amount, unit == null ? "ms" : unit);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("duration too large: '" + text + "'", e);
            }
        }
        Duration parsed;
        try {
            parsed = Duration.parse(trimmed);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (" + GRAMMAR + ")", e);
        }
        if (parsed.isNegative()) {
            throw new IllegalArgumentException("must not be negative: '" + text + "'");
        }
        return parsed;
    }

    /**
     * Parses like {@link #parse(String)} and refuses zero.
     *
     * @param text the duration
     * @return the duration, greater than zero
     * @throws IllegalArgumentException when not a duration or not positive
     */
    public static Duration parsePositive(String text) {
        Duration parsed = parse(text);
        if (parsed.isZero()) {
            throw new IllegalArgumentException("must be positive: '" + text + "'");
        }
        return parsed;
    }

    /**
     * Writes a duration the way a person would type it, in the largest unit that divides it exactly
     * ({@code 10s}, {@code 2m}, {@code 1500ms}); {@link #parse(String)} reads it back to the same value.
     *
     * @param duration not negative
     * @return e.g. {@code 10s}
     * @throws IllegalArgumentException when negative
     */
    public static String format(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("must not be negative: " + duration);
        }
        if (duration.isZero()) {
            return "0";
        }
        long nanos = duration.getNano();
        long seconds = duration.getSeconds();
        if (nanos != 0) {
            if (nanos % 1_000_000 == 0 && seconds < Long.MAX_VALUE / 1000) {
                return (seconds * 1000 + nanos / 1_000_000) + "ms";
            }
            return duration.toString();
        }
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3_600 == 0) {
            return seconds / 3_600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }

    private static Duration of(long amount, String unit) {
        switch (unit) {
            case "ns":
                return Duration.ofNanos(amount);
            case "us":
            case "µs":
            case "μs":
                return Duration.ofNanos(Math.multiplyExact(amount, 1000L));
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            case "h":
                return Duration.ofHours(amount);
            default:
                return Duration.ofDays(amount);
        }
    }
}
