package dev.steadfast.doctor;

import java.util.Locale;

/**
 * How the doctor prints sizes and rates: binary units, one decimal.
 *
 * <pre>{@code
 * Sizes.bytes(1536);        // "1.5 KB"
 * Sizes.rate(61440);        // "+60.0 KB/min"
 * }</pre>
 */
final class Sizes {

    private static final String[] UNITS = {"B", "KB", "MB", "GB", "TB"};

    private Sizes() {
    }

    static String bytes(double bytes) {
        double value = Math.abs(bytes);
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        String number = unit == 0 ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.1f", value);
        return (bytes < 0 ? "-" : "") + number + " " + UNITS[unit];
    }

    static String rate(double bytesPerMinute) {
        return (bytesPerMinute >= 0 ? "+" : "") + bytes(bytesPerMinute) + "/min";
    }
}
