package dev.steadfast.startup;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The environment a service runs in. An {@link EnvironmentPolicy} registered for an environment can skip steps, make
 * them optional or change their timeouts there; every such bypass is listed in the {@link StartupReport}.
 *
 * <p>Detected from the system property {@value #PROPERTY}, else the environment variable {@value #VARIABLE}, else
 * {@link #DEFAULT}; {@link StartupPlan.Builder#environment(Environment)} overrides detection in code.
 *
 * <pre>{@code
 * java -Dsteadfast.environment=development -jar service.jar
 * Environment env = Environment.detect();   // DEVELOPMENT
 * }</pre>
 */
public enum Environment {
  /** Serving real users: the default, and the strictest. */
  PRODUCTION,
  /** Pre-production. */
  STAGING,
  /** Automated tests. */
  TEST,
  /** A developer's machine. */
  DEVELOPMENT;

  /** System property naming the environment (case-insensitive), e.g. {@code -Dsteadfast.environment=staging}. */
  public static final String PROPERTY = "steadfast.environment";

  /** Environment variable read when {@link #PROPERTY} is not set. */
  public static final String VARIABLE = "STEADFAST_ENVIRONMENT";

  /** The environment when neither {@link #PROPERTY} nor {@link #VARIABLE} is set: the strictest one. */
  public static final Environment DEFAULT = PRODUCTION;

  /**
   * Detects the environment from this JVM's system properties and the process environment.
   *
   * @return the detected environment, {@link #DEFAULT} when none is set
   * @throws IllegalArgumentException when the property or variable holds an unknown name
   */
  public static Environment detect() {
    return detect(System.getProperties(), System.getenv());
  }

  /**
   * Detects the environment from the given sources (the property wins over the variable).
   *
   * @param properties system properties
   * @param variables environment variables
   * @return the detected environment, {@link #DEFAULT} when none is set
   * @throws IllegalArgumentException when a source holds an unknown name, naming the source, the value and the
   *     allowed names
   */
  public static Environment detect(Properties properties, Map<String, String> variables) {
    String fromProperty = properties.getProperty(PROPERTY);
    if (fromProperty != null && !fromProperty.isBlank()) {
      return parse(fromProperty, "system property " + PROPERTY);
    }
    String fromVariable = variables.get(VARIABLE);
    if (fromVariable != null && !fromVariable.isBlank()) {
      return parse(fromVariable, "environment variable " + VARIABLE);
    }
    return DEFAULT;
  }

  private static Environment parse(String value, String source) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + " must be one of "
          + Arrays.toString(values()).toLowerCase(Locale.ROOT) + ": '" + value + "'", e);
    }
  }
}
