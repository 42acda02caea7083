package dev.steadfast.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The optional configuration file ({@code --config steadfast.properties}): Java properties keyed by flag name
 * without the dashes, read as UTF-8. Flags and environment variables win over it; it wins over the defaults.
 * A key that names no flag is a problem (usually a typo), reported with the others before anything starts.
 *
 * <pre>{@code
 * # steadfast.properties
 * port=9090
 * drain-timeout=5s
 * token-secret-file=/run/secrets/jwt
 * log-format=json
 * }</pre>
 */
final class ConfigFile {
  private ConfigFile() {}

  /** The file key of a flag: {@code --drain-timeout} is {@code drain-timeout}. */
  static String keyFor(String flag) {
    return flag.substring(2);
  }

  /**
   * Reads the file, adding a problem for an unreadable file and for each key that names no option.
   *
   * @param file the file
   * @param options every option's flag, e.g. {@code --port}
   * @param problems where problems go
   * @return the properties read (empty when unreadable)
   */
  static Properties read(Path file, Set<String> options, List<String> problems) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException | RuntimeException e) {
      problems.add("--config / STEADFAST_CONFIG: cannot read " + file + ": " + e);
      return new Properties();
    }
    Set<String> known = new TreeSet<>();
    options.forEach(option -> known.add(keyFor(option)));
    known.remove(keyFor("--config"));
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      if (!known.contains(key)) {
        problems.add("--config " + file + ": unknown key '" + key + "' (keys are flag names without the dashes: "
            + String.join(", ", known) + ")");
      }
    }
    return properties;
  }
}
