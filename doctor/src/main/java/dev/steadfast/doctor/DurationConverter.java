package dev.steadfast.doctor;

import dev.steadfast.diagnostics.Durations;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Reads {@code --duration} and {@code --interval} in Steadfast's one duration grammar ({@link Durations}: {@code 500ms},
 * {@code 10s}, {@code 2m}, {@code 1h}, ISO-8601 {@code PT10S}); zero is refused. Also prints durations back for
 * people, rounded for reading ({@code 1m30s}, {@code 2034ms}).
 *
 * <pre>{@code
 * @Option(names = "--interval", converter = DurationConverter.class) Duration interval;
 * }</pre>
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Durations.parsePositive(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
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
