package dev.steadfast.doctor;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads {@code --duration} and {@code --interval}: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h} (the grammar of
 * the server's command line) or ISO-8601 ({@code PT10S}); zero and negative durations are refused.
 *
 * <pre>{@code
 * @Option(names = "--interval", converter = DurationConverter.class) Duration interval;
 * }</pre>
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
        Duration duration = parse(value);
        if (duration.isZero() || duration.isNegative()) {
            throw new CommandLine.TypeConversionException("must be positive: " + value);
        }
        return duration;
    }

    static Duration parse(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        Matcher matcher = SHORT.matcher(text);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        }
        try {
            return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration; write 500ms, 10s, 2m,"
                    + " 1h or ISO-8601 like PT10S");
        }
    }

    /** {@code 300ms}, {@code 1m30s}, {@code 12s}, {@code 2h05m}: how durations are printed back. */
    static String format(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds < 10 && duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + "ms";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + (seconds % 60 == 0 ? "" : String.format(Locale.ROOT, "%02ds", seconds % 60));
        }
        return seconds / 3600 + "h" + String.format(Locale.ROOT, "%02dm", seconds % 3600 / 60);
    }
}
