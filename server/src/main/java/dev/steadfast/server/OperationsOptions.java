package dev.steadfast.server;

import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The service's operational flags, mixed into the command line: logging, the configuration file and the leak
 * monitor's window. Each also reads its environment variable and the configuration file, like every flag.
 *
 * <pre>{@code
 * steadfast-server --log-format json --log-level debug --config /etc/steadfast.properties --leak-window 2h
 * }</pre>
 */
final class OperationsOptions {
  /** Log formats: one readable line per event, or one JSON object per line (Logback's JsonEncoder, MDC included). */
  static final Set<String> LOG_FORMATS = Set.of("text", "json");
  /** Log levels, least to most severe. */
  static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");
  static final String DEFAULT_LOG_FORMAT = "text";
  static final String DEFAULT_LOG_LEVEL = "INFO";

  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file with any of these options, keyed by flag name without dashes"
          + " (port=9090, drain-timeout=5s); flags and environment variables win over it (STEADFAST_CONFIG;"
          + " default: none).")
  String config;

  @Option(names = "--log-format", paramLabel = "FORMAT",
      description = "text or json: one JSON object per line with the MDC (STEADFAST_LOG_FORMAT; default "
          + DEFAULT_LOG_FORMAT + ").")
  String logFormat;

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "TRACE, DEBUG, INFO, WARN, ERROR or OFF for the service's own loggers"
          + " (STEADFAST_LOG_LEVEL; default " + DEFAULT_LOG_LEVEL + ").")
  String logLevel;

  @Option(names = "--leak-window", paramLabel = "DURATION",
      description = "Window of the service's own leak monitor, at least ${bundle:min.leak-window}; a verdict needs"
          + " a third of it (STEADFAST_LEAK_WINDOW; default ${bundle:default.leak-window}).")
  String leakWindow;

  static String logFormat(String value) {
    String format = value.trim().toLowerCase(Locale.ROOT);
    if (!LOG_FORMATS.contains(format)) {
      throw new IllegalArgumentException("must be text or json: '" + value + "'");
    }
    return format;
  }

  static String logLevel(String value) {
    String level = value.trim().toUpperCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(level)) {
      throw new IllegalArgumentException("must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF: '" + value + "'");
    }
    return level;
  }
}
