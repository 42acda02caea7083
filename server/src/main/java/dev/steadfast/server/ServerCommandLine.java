package dev.steadfast.server;

import dev.steadfast.diagnostics.Durations;
import dev.steadfast.startup.Environment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Reads a {@link ServerConfig} from command-line flags and environment variables (a flag wins over its variable).
 * Every value is checked and every problem is collected before anything starts: {@link #parse} throws one
 * {@link ConfigurationException} naming them all.
 *
 * <pre>{@code
 * ServerCommandLine line = ServerCommandLine.parse(new String[] {"--port", "9090"}, System.getenv());
 * if (line.helpRequested()) {
 *   System.out.println(line.usage());
 * } else {
 *   SteadfastServer server = SteadfastServer.start(line.config(), line.environment());
 * }
 * }</pre>
 *
 * <p>Durations are written in Steadfast's one grammar ({@link Durations}): {@code 500ms}, {@code 10s}, {@code 2m},
 * {@code 1h}, {@code 1d} or ISO-8601 ({@code PT10S}).
 */
final class ServerCommandLine {
  /** Prefix of every environment variable the server reads. */
  public static final String ENV_PREFIX = "STEADFAST_";

  private final boolean helpRequested;
  private final String usage;
  private final ServerConfig config;
  private final Environment environment;
  private final LogSettings logSettings;
  private final List<String> warnings;

  private ServerCommandLine(boolean helpRequested, String usage, ServerConfig config, Environment environment,
      LogSettings logSettings, List<String> warnings) {
    this.logSettings = logSettings;
    this.helpRequested = helpRequested;
    this.usage = usage;
    this.config = config;
    this.environment = environment;
    this.warnings = List.copyOf(warnings);
  }

  /** The flags, each also read from the environment variable named in its description. */
  @Command(name = "steadfast-server", mixinStandardHelpOptions = false, sortOptions = false,
      description = "The Steadfast reference service: a WebSocket hub started and stopped by Steadfast.%n"
          + "Every option can also be set by the environment variable shown; the flag wins.")
  static final class Flags {
    @Option(names = "--help", usageHelp = true, description = "Print this help and exit.")
    boolean help;

    @Option(names = "--port", paramLabel = "PORT",
        description = "Port to listen on, 0 for any free port (STEADFAST_PORT; default " + ServerConfig.DEFAULT_PORT + ").")
    String port;

    @Option(names = "--bind-address", paramLabel = "ADDRESS",
        description = "Address to bind (STEADFAST_BIND_ADDRESS; default " + ServerConfig.DEFAULT_BIND_ADDRESS + ").")
    String bindAddress;

    @Option(names = "--environment", paramLabel = "ENV",
        description = "production, staging, test or development (STEADFAST_ENVIRONMENT or -Dsteadfast.environment;"
            + " default production). Development credentials are only generated in test and development.")
    String environment;

    @Option(names = "--token-secret", paramLabel = "SECRET",
        description = "HS256 secret verifying client tokens, at least 32 bytes (STEADFAST_TOKEN_SECRET)."
            + " Prefer --token-secret-file: flags are visible to other users of the machine.")
    String tokenSecret;

    @Option(names = "--token-secret-file", paramLabel = "FILE",
        description = "File holding the token secret (STEADFAST_TOKEN_SECRET_FILE).")
    String tokenSecretFile;

    @Option(names = "--publish-api-key", paramLabel = "KEY",
        description = "Credential POST /api/publish requires, at least 16 characters (STEADFAST_PUBLISH_API_KEY).")
    String publishApiKey;

    @Option(names = "--allowed-origins", paramLabel = "ORIGINS",
        description = "Comma-separated origins allowed to open WebSockets, * for any (STEADFAST_ALLOWED_ORIGINS).")
    String allowedOrigins;

    @Option(names = "--max-connections", paramLabel = "N",
        description = "Global cap on open connections (STEADFAST_MAX_CONNECTIONS).")
    String maxConnections;

    @Option(names = "--max-connections-per-address", paramLabel = "N",
        description = "Cap per client IP address (STEADFAST_MAX_CONNECTIONS_PER_ADDRESS).")
    String maxConnectionsPerAddress;

    @Option(names = "--max-message-bytes", paramLabel = "BYTES",
        description = "Largest frame and message accepted (STEADFAST_MAX_MESSAGE_BYTES).")
    String maxMessageBytes;

    @Option(names = "--max-outbound-bytes", paramLabel = "BYTES",
        description = "Per-connection outbound bound; a slower client is closed with 1008"
            + " (STEADFAST_MAX_OUTBOUND_BYTES).")
    String maxOutboundBytes;

    @Option(names = "--max-subscriptions-per-connection", paramLabel = "N",
        description = "Topics one connection may subscribe to (STEADFAST_MAX_SUBSCRIPTIONS_PER_CONNECTION).")
    String maxSubscriptionsPerConnection;

    @Option(names = "--handshake-timeout", paramLabel = "DURATION",
        description = "How long a WebSocket upgrade may take (STEADFAST_HANDSHAKE_TIMEOUT).")
    String handshakeTimeout;

    @Option(names = "--ping-interval", paramLabel = "DURATION",
        description = "How often each client is pinged (STEADFAST_PING_INTERVAL).")
    String pingInterval;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
        description = "Close a client silent for this long, pongs included (STEADFAST_IDLE_TIMEOUT).")
    String idleTimeout;

    @Option(names = "--io-threads", paramLabel = "N",
        description = "WebSocket event-loop threads (STEADFAST_IO_THREADS).")
    String ioThreads;

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
        description = "How long shutdown waits for clients to drain (STEADFAST_DRAIN_TIMEOUT; default 10s).")
    String drainTimeout;

    @Option(names = "--startup-timeout", paramLabel = "DURATION",
        description = "How long the whole startup may take (STEADFAST_STARTUP_TIMEOUT; default 60s).")
    String startupTimeout;

    @Mixin
    OperationsOptions operations = new OperationsOptions();
  }

  /**
   * Parses flags and this process's environment.
   *
   * @param args the command-line arguments
   * @param environmentVariables the environment, usually {@code System.getenv()}
   * @return the parsed command line
   * @throws ConfigurationException naming every problem found
   */
  public static ServerCommandLine parse(String[] args, Map<String, String> environmentVariables) {
    return parse(args, environmentVariables, System.getProperties());
  }

  /**
   * Parses flags, environment variables and system properties ({@code steadfast.environment}).
   *
   * @param args the command-line arguments
   * @param environmentVariables the environment
   * @param systemProperties system properties
   * @return the parsed command line
   * @throws ConfigurationException naming every problem found
   */
  public static ServerCommandLine parse(String[] args, Map<String, String> environmentVariables,
      Properties systemProperties) {
    Flags flags = new Flags();
    CommandLine commandLine = new CommandLine(flags).setUnmatchedArgumentsAllowed(true);
    String usage = commandLine.getUsageMessage(CommandLine.Help.Ansi.OFF);
    List<String> problems = new ArrayList<>();
    try {
      commandLine.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      problems.add(e.getMessage());
    }
    for (String unmatched : commandLine.getUnmatchedArguments()) {
      problems.add("unknown argument '" + unmatched + "': see --help for the options");
    }
    if (flags.help) {
      return new ServerCommandLine(true, usage, null, Environment.DEFAULT, LogSettings.DEFAULTS, List.of());
    }
    String configFile = flags.operations.config != null ? flags.operations.config
        : blankToNull(environmentVariables.get(variableFor("--config")));
    Properties fileProperties = configFile == null ? new Properties()
        : ConfigFile.read(Path.of(configFile), optionNames(commandLine), problems);
    Reader reader = new Reader(environmentVariables, fileProperties, problems);
    Environment environment = reader.environment(flags.environment, systemProperties);
    boolean development = environment == Environment.DEVELOPMENT || environment == Environment.TEST;
    ServerConfig.Builder builder = ServerConfig.builder().developmentCredentialsAllowed(development);
    reader.apply("--port", flags.port, reader::integer, builder::port);
    reader.apply("--bind-address", flags.bindAddress, Function.identity(), builder::bindAddress);
    Optional<String> secret = reader.secret(flags.tokenSecret, flags.tokenSecretFile);
    secret.ifPresent(s -> reader.set("--token-secret", s, builder::tokenSecret));
    reader.apply("--publish-api-key", flags.publishApiKey, Function.identity(), builder::publishApiKey);
    reader.apply("--allowed-origins", flags.allowedOrigins, ServerCommandLine::commaList, builder::allowedOrigins);
    reader.apply("--io-threads", flags.ioThreads, reader::integer, builder::ioThreads);
    reader.apply("--drain-timeout", flags.drainTimeout, ServerCommandLine::duration, builder::drainTimeout);
    reader.apply("--startup-timeout", flags.startupTimeout, ServerCommandLine::duration, builder::startupTimeout);
    reader.apply("--leak-window", flags.operations.leakWindow, ServerCommandLine::positiveDuration,
        builder::leakWindow);
    String[] logs = {OperationsOptions.DEFAULT_LOG_FORMAT, OperationsOptions.DEFAULT_LOG_LEVEL};
    reader.apply("--log-format", flags.operations.logFormat, OperationsOptions::logFormat, f -> logs[0] = f);
    reader.apply("--log-level", flags.operations.logLevel, OperationsOptions::logLevel, l -> logs[1] = l);
    Limits limits = new Limits();
    reader.apply("--max-connections", flags.maxConnections, reader::positive, v -> limits.maxConnections = v);
    reader.apply("--max-connections-per-address", flags.maxConnectionsPerAddress, reader::positive,
        v -> limits.maxConnectionsPerAddress = v);
    reader.apply("--max-message-bytes", flags.maxMessageBytes, reader::positive, v -> limits.maxMessageBytes = v);
    reader.apply("--max-outbound-bytes", flags.maxOutboundBytes, reader::positive, v -> limits.maxOutboundBytes = v);
    reader.apply("--max-subscriptions-per-connection", flags.maxSubscriptionsPerConnection, reader::positive,
        v -> limits.maxSubscriptionsPerConnection = v);
    reader.apply("--handshake-timeout", flags.handshakeTimeout, ServerCommandLine::positiveDuration,
        v -> limits.handshakeTimeout = v);
    reader.apply("--ping-interval", flags.pingInterval, ServerCommandLine::positiveDuration, v -> limits.pingInterval = v);
    reader.apply("--idle-timeout", flags.idleTimeout, ServerCommandLine::positiveDuration, v -> limits.idleTimeout = v);
    reader.set("limits", limits, l -> builder.limits(l.build()));

    if (!development && secret.isEmpty()) {
      problems.add("no token secret in the " + environment.name().toLowerCase(Locale.ROOT)
          + " environment: set --token-secret-file, STEADFAST_TOKEN_SECRET_FILE or STEADFAST_TOKEN_SECRET"
          + " (at least 32 bytes), or run with STEADFAST_ENVIRONMENT=development to use a generated development"
          + " secret");
    }
    if (!development && reader.value("--publish-api-key", flags.publishApiKey) == null) {
      problems.add("no publish API key in the " + environment.name().toLowerCase(Locale.ROOT)
          + " environment: set --publish-api-key or STEADFAST_PUBLISH_API_KEY (at least 16 characters), or run"
          + " with STEADFAST_ENVIRONMENT=development to use a generated development key");
    }
    // Rules the hub checks across settings (e.g. ping interval shorter than idle timeout), on the values that
    // were valid, so they are reported together with the problems above. Credentials are checked above.
    problems.addAll(HubConfigurer.problems(builder.developmentCredentialsAllowed(true).build()));
    if (!problems.isEmpty()) {
      throw new ConfigurationException(problems);
    }
    ServerConfig config = builder.developmentCredentialsAllowed(development).build();
    return new ServerCommandLine(false, usage, config, environment, new LogSettings(logs[0], logs[1]),
        unknownVariables(environmentVariables, optionNames(commandLine)));
  }

  /** @return whether {@code --help} was given: print {@link #usage()} and start nothing */
  public boolean helpRequested() {
    return helpRequested;
  }

  /** @return the help text listing every flag and environment variable */
  public String usage() {
    return usage;
  }

  /**
   * The configuration read.
   *
   * @return the configuration
   * @throws IllegalStateException when help was requested (there is no configuration then)
   */
  public ServerConfig config() {
    if (config == null) {
      throw new IllegalStateException("--help was requested: there is no configuration to start with");
    }
    return config;
  }

  /** @return how the service logs ({@code --log-format}, {@code --log-level}) */
  public LogSettings logSettings() {
    return logSettings;
  }

  /** @return the environment the server runs in */
  public Environment environment() {
    return environment;
  }

  /**
   * Things worth telling the operator that do not stop startup, e.g. a {@code STEADFAST_*} variable nothing
   * reads (usually a typo).
   *
   * @return the warnings
   */
  public List<String> warnings() {
    return warnings;
  }

  static String variableFor(String flag) {
    return ENV_PREFIX + flag.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /** Every option's name, e.g. {@code --port}, from picocli's model of the flags (the mixin's included). */
  private static Set<String> optionNames(CommandLine commandLine) {
    Set<String> names = new TreeSet<>();
    commandLine.getCommandSpec().options().forEach(option -> names.add(option.longestName()));
    names.remove("--help");
    return names;
  }

  private static List<String> unknownVariables(Map<String, String> variables, Set<String> options) {
    Set<String> known = new TreeSet<>();
    options.forEach(option -> known.add(variableFor(option)));
    known.add(Environment.VARIABLE);
    List<String> warnings = new ArrayList<>();
    for (String name : new TreeSet<>(variables.keySet())) {
      if (name.startsWith(ENV_PREFIX) && !known.contains(name)) {
        warnings.add("environment variable " + name + " is not read by the server (a typo?); known: " + known);
      }
    }
    return warnings;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  static List<String> commaList(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** Parses a duration in Steadfast's one grammar ({@link Durations}). */
  static Duration duration(String value) {
    return Durations.parse(value);
  }

  static Duration positiveDuration(String value) {
    return Durations.parsePositive(value);
  }

  /** Mutable collector for the limits, validated once as a whole. */
  private static final class Limits {
    Integer maxConnections;
    Integer maxConnectionsPerAddress;
    Integer maxMessageBytes;
    Integer maxOutboundBytes;
    Integer maxSubscriptionsPerConnection;
    Duration handshakeTimeout;
    Duration pingInterval;
    Duration idleTimeout;

    ServerConfig.Limits build() {
      return new ServerConfig.Limits(optional(maxConnections), optional(maxConnectionsPerAddress),
          optional(maxMessageBytes), optional(maxOutboundBytes), optional(maxSubscriptionsPerConnection),
          Optional.ofNullable(handshakeTimeout), Optional.ofNullable(pingInterval), Optional.ofNullable(idleTimeout));
    }

    private static OptionalInt optional(Integer value) {
      return value == null ? OptionalInt.empty() : OptionalInt.of(value);
    }
  }

  /**
   * Resolves each value from the flag, else its environment variable, else the configuration file, and turns each
   * failure into a problem naming the flag and the variable.
   */
  private static final class Reader {
    private final Map<String, String> variables;
    private final Properties file;
    private final List<String> problems;

    Reader(Map<String, String> variables, Properties file, List<String> problems) {
      this.variables = variables;
      this.file = file;
      this.problems = problems;
    }

    String value(String flag, String flagValue) {
      if (flagValue != null) {
        return flagValue;
      }
      String fromVariable = variables.get(variableFor(flag));
      if (fromVariable != null && !fromVariable.isEmpty()) {
        return fromVariable;
      }
      String fromFile = file.getProperty(ConfigFile.keyFor(flag));
      return fromFile == null || fromFile.isBlank() ? null : fromFile.trim();
    }

    <T> void apply(String flag, String flagValue, Function<String, T> convert, Consumer<T> setter) {
      String raw = value(flag, flagValue);
      if (raw == null) {
        return;
      }
      try {
        setter.accept(convert.apply(raw));
      } catch (IllegalArgumentException | IllegalStateException e) {
        problems.add(flag + " / " + variableFor(flag) + ": " + e.getMessage());
      }
    }

    <T> void set(String name, T value, Consumer<T> setter) {
      try {
        setter.accept(value);
      } catch (IllegalArgumentException | IllegalStateException e) {
        problems.add((name.startsWith("--") ? name + " / " + variableFor(name) + ": " : "") + e.getMessage());
      }
    }

    Integer integer(String value) {
      try {
        return Integer.valueOf(value.trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a whole number: '" + value + "'", e);
      }
    }

    Integer positive(String value) {
      Integer parsed = integer(value);
      if (parsed < 1) {
        throw new IllegalArgumentException("must be at least 1: " + parsed);
      }
      return parsed;
    }

    Environment environment(String flagValue, Properties systemProperties) {
      String raw = flagValue != null ? flagValue : systemProperties.getProperty(Environment.PROPERTY);
      String source = flagValue != null ? "--environment" : "system property " + Environment.PROPERTY;
      if (raw == null) {
        raw = variables.get(Environment.VARIABLE);
        source = "environment variable " + Environment.VARIABLE;
      }
      if (raw == null) {
        raw = file.getProperty(ConfigFile.keyFor("--environment"));
        source = "configuration file key " + ConfigFile.keyFor("--environment");
      }
      if (raw == null || raw.isBlank()) {
        return Environment.DEFAULT;
      }
      try {
        return Environment.valueOf(raw.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        problems.add(source + " must be one of production, staging, test, development: '" + raw + "'");
        return Environment.DEFAULT;
      }
    }

    Optional<String> secret(String flagValue, String fileFlagValue) {
      String direct = value("--token-secret", flagValue);
      String file = value("--token-secret-file", fileFlagValue);
      if (direct != null && file != null) {
        problems.add("--token-secret and --token-secret-file are both set (by flag or environment variable):"
            + " keep one");
        return Optional.empty();
      }
      if (file == null) {
        return Optional.ofNullable(direct);
      }
      try {
        return Optional.of(SecretFile.read(Path.of(file)));
      } catch (IllegalArgumentException e) {
        problems.add("--token-secret-file / STEADFAST_TOKEN_SECRET_FILE: " + e.getMessage());
        return Optional.empty();
      }
    }
  }
}
