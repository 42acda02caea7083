package dev.steadfast.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * How the service logs: {@code text} (one readable line per event) or {@code json} (Logback's own
 * {@code JsonEncoder}: one JSON object per line, MDC included), and the level of the root logger. Applied by
 * reloading the service's {@code logback.xml} with the two values as context properties
 * ({@code steadfast.log.format}, {@code steadfast.log.level}), so the file stays the one description of the output.
 *
 * <pre>{@code
 * new LogSettings("json", "DEBUG").apply();
 * }</pre>
 *
 * @param format {@code text} or {@code json}
 * @param level TRACE, DEBUG, INFO, WARN, ERROR or OFF
 */
record LogSettings(String format, String level) {
  static final LogSettings DEFAULTS =
      new LogSettings(OperationsOptions.DEFAULT_LOG_FORMAT, OperationsOptions.DEFAULT_LOG_LEVEL);
  static final String FORMAT_PROPERTY = "steadfast.log.format";
  static final String LEVEL_PROPERTY = "steadfast.log.level";

  boolean isJson() {
    return "json".equals(format);
  }

  /**
   * Reconfigures Logback; does nothing when another SLF4J backend is in use (the service embedded elsewhere).
   *
   * @throws IllegalStateException when the service's logback.xml cannot be read
   */
  void apply() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (!(factory instanceof LoggerContext context)) {
      return;
    }
    URL file = LogSettings.class.getResource("/logback.xml");
    if (file == null) {
      throw new IllegalStateException("logback.xml is missing from the service's class path");
    }
    context.reset();
    context.putProperty(FORMAT_PROPERTY, format);
    context.putProperty(LEVEL_PROPERTY, level);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(file);
    } catch (JoranException e) {
      throw new IllegalStateException("cannot configure logging from " + file + ": " + e.getMessage(), e);
    }
  }
}
