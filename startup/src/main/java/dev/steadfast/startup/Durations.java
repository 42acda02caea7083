package dev.steadfast.startup;

import java.time.Duration;
import java.util.Locale;

/** Validation and formatting of durations, shared by the builders and reports. */
final class Durations {
  private Durations() {}

  static Duration requirePositive(Duration value, String parameter) {
    if (value == null) {
      throw new IllegalArgumentException(parameter + " must be positive: null");
    }
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(parameter + " must be positive: " + value);
    }
    return value;
  }

  static long toNanosSaturated(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  /** Human-readable: "850ms", "1.250s", "2m03s". */
  static String format(long nanos) {
    if (nanos < 0) {
      nanos = 0;
    }
    if (nanos < 10_000_000L) {
      return String.format(Locale.ROOT, "%.2fms", nanos / 1e6);
    }
    if (nanos < 1_000_000_000L) {
      return (nanos / 1_000_000L) + "ms";
    }
    if (nanos < 60_000_000_000L) {
      return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
    }
    long seconds = nanos / 1_000_000_000L;
    return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }

  static String format(Duration d) {
    return format(toNanosSaturated(d));
  }
}
