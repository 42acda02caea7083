package dev.steadfast.server;

import dev.steadfast.diagnostics.Durations;
import dev.steadfast.startup.Environment;
import dev.steadfast.websocket.WebSocketHubConfig;
import dev.steadfast.websocket.redis.RedisBrokerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.LinkedHashMap;
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

  /** The flag that sets each {@link WebSocketHubConfig.Builder} setting. */
  private static final Map<String, String> FLAG_OF_SETTING = Map.ofEntries(
      Map.entry("port", "--port"),
      Map.entry("bindAddress", "--bind-address"),
      Map.entry("tokenSecret", "--token-secret"),
      Map.entry("publishApiKey", "--publish-api-key"),
      Map.entry("allowedOrigins", "--allowed-origins"),
      Map.entry("eventLoopThreads", "--io-threads"),
      Map.entry("maxConnections", "--max-connections"),
      Map.entry("maxConnectionsPerAddress", "--max-connections-per-address"),
      Map.entry("maxPendingHandshakesPerAddress", "--max-pending-handshakes-per-address"),
      Map.entry("maxPendingHandshakes", "--max-pending-handshakes"),
      Map.entry("maxPingsPerSecond", "--max-pings-per-second"),
      Map.entry("maxFrameSize", "--max-message-bytes"),
      Map.entry("maxMessageSize", "--max-message-bytes"),
      Map.entry("maxOutboundBytes", "--max-outbound-bytes"),
      Map.entry("maxSubscriptionsPerConnection", "--max-subscriptions-per-connection"),
      Map.entry("handshakeTimeout", "--handshake-timeout"),
      Map.entry("pingInterval", "--ping-interval"),
      Map.entry("idleTimeout", "--idle-timeout"));

  /** The {@code --broker} value of the single-node broker (the default). */
  static final String IN_PROCESS = "in-process";
  /** The Redis password's variable: no flag, since flags are visible to every user of the machine. */
  static final String BROKER_PASSWORD_VARIABLE = ENV_PREFIX + "BROKER_PASSWORD";

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
          + "Every option can also be set by the environment variable shown or in the --config file;"
          + " flags > environment > file > defaults.%n"
          + "Durations: 500ms, 10s, 2m, 1h, 1d or ISO-8601 (PT10S). `steadfast-server token --help`: issue a token.")
  static final class Flags {
    @Option(names = "--help", usageHelp = true, description = "Print this help and exit.")
    boolean help;

    @Option(names = "--port", paramLabel = "PORT",
        description = "Port to listen on, 0 for any free port (STEADFAST_PORT; default ${bundle:default.port}).")
    String port;

    @Option(names = "--bind-address", paramLabel = "ADDRESS",
        description = "Address to bind (STEADFAST_BIND_ADDRESS; default ${bundle:default.bind-address}).")
    String bindAddress;

    @Option(names = "--environment", paramLabel = "ENV",
        description = "production, staging, test or development (STEADFAST_ENVIRONMENT or -Dsteadfast.environment;"
            + " default production). Development credentials are only generated in test and development.")
    String environment;

    @Option(names = "--token-secret", paramLabel = "SECRET",
        description = "HS256 secret verifying client tokens, at least ${bundle:min.token-secret} bytes"
            + " (STEADFAST_TOKEN_SECRET; default: generated in test and development, required otherwise)."
            + " Prefer --token-secret-file: flags are visible to other users of the machine.")
    String tokenSecret;

    @Option(names = "--token-secret-file", paramLabel = "FILE",
        description = "File holding the token secret; surrounding whitespace and the final newline are not part"
            + " of it (STEADFAST_TOKEN_SECRET_FILE; default: none).")
    String tokenSecretFile;

    @Option(names = "--publish-api-key", paramLabel = "KEY",
        description = "Credential POST /api/publish requires, at least ${bundle:min.publish-api-key} characters"
            + " (STEADFAST_PUBLISH_API_KEY; default: generated in test and development, required otherwise).")
    String publishApiKey;

    @Option(names = "--allowed-origins", paramLabel = "ORIGINS",
        description = "Comma-separated origins allowed to open WebSockets besides the hub's own, * for any"
            + " (STEADFAST_ALLOWED_ORIGINS; default: the hub's own origin only).")
    String allowedOrigins;

    @Option(names = "--max-connections", paramLabel = "N",
        description = "Global cap on open connections (STEADFAST_MAX_CONNECTIONS; default"
            + " ${bundle:default.max-connections}).")
    String maxConnections;

    @Option(names = "--max-connections-per-address", paramLabel = "N",
        description = "Cap per client IP address (STEADFAST_MAX_CONNECTIONS_PER_ADDRESS; default"
            + " ${bundle:default.max-connections-per-address}).")
    String maxConnectionsPerAddress;

    @Option(names = "--max-pending-handshakes-per-address", paramLabel = "N",
        description = "Cap per client IP address on connections that have not sent a complete request"
            + " (STEADFAST_MAX_PENDING_HANDSHAKES_PER_ADDRESS; default "
            + WebSocketHubConfig.DEFAULT_MAX_PENDING_HANDSHAKES_PER_ADDRESS + ").")
    String maxPendingHandshakesPerAddress;

    @Option(names = "--max-pending-handshakes", paramLabel = "N",
        description = "Cap for the whole hub on connections that have not sent a complete request, whatever their"
            + " addresses; over it the oldest is closed (STEADFAST_MAX_PENDING_HANDSHAKES; default "
            + WebSocketHubConfig.DEFAULT_MAX_PENDING_HANDSHAKES + ").")
    String maxPendingHandshakes;

    @Option(names = "--max-pings-per-second", paramLabel = "N",
        description = "Ping frames answered per connection per second, the rest coalesced"
            + " (STEADFAST_MAX_PINGS_PER_SECOND; default " + WebSocketHubConfig.DEFAULT_MAX_PINGS_PER_SECOND + ").")
    String maxPingsPerSecond;

    @Option(names = "--max-message-bytes", paramLabel = "BYTES",
        description = "Largest frame and message accepted (STEADFAST_MAX_MESSAGE_BYTES; default"
            + " ${bundle:default.max-message-bytes}).")
    String maxMessageBytes;

    @Option(names = "--max-outbound-bytes", paramLabel = "BYTES",
        description = "Per-connection outbound bound; a slower client is closed with 1008"
            + " (STEADFAST_MAX_OUTBOUND_BYTES; default ${bundle:default.max-outbound-bytes}).")
    String maxOutboundBytes;

    @Option(names = "--max-subscriptions-per-connection", paramLabel = "N",
        description = "Topics one connection may subscribe to (STEADFAST_MAX_SUBSCRIPTIONS_PER_CONNECTION;"
            + " default ${bundle:default.max-subscriptions-per-connection}).")
    String maxSubscriptionsPerConnection;

    @Option(names = "--handshake-timeout", paramLabel = "DURATION",
        description = "How long a WebSocket upgrade may take (STEADFAST_HANDSHAKE_TIMEOUT; default"
            + " ${bundle:default.handshake-timeout}).")
    String handshakeTimeout;

    @Option(names = "--ping-interval", paramLabel = "DURATION",
        description = "How often each client is pinged (STEADFAST_PING_INTERVAL; default"
            + " ${bundle:default.ping-interval}).")
    String pingInterval;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
        description = "Close a client silent for this long, pongs included (STEADFAST_IDLE_TIMEOUT; default"
            + " ${bundle:default.idle-timeout}).")
    String idleTimeout;

    @Option(names = "--io-threads", paramLabel = "N",
        description = "WebSocket event-loop threads (STEADFAST_IO_THREADS; default ${bundle:default.io-threads}).")
    String ioThreads;

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
        description = "How long shutdown waits for clients to drain (STEADFAST_DRAIN_TIMEOUT; default"
            + " ${bundle:default.drain-timeout}).")
    String drainTimeout;

    @Option(names = "--startup-timeout", paramLabel = "DURATION",
        description = "How long the whole startup may take (STEADFAST_STARTUP_TIMEOUT; default"
            + " ${bundle:default.startup-timeout}).")
    String startupTimeout;

    @Option(names = "--broker", paramLabel = "URI",
        description = IN_PROCESS + " (one node, nothing to install) or redis://HOST:PORT / rediss://HOST:PORT"
            + " (TLS) to share topics with other nodes through Redis (STEADFAST_BROKER; default " + IN_PROCESS + ")."
            + " The Redis password comes from --broker-password-file or STEADFAST_BROKER_PASSWORD, never the URI.")
    String broker;

    @Option(names = "--broker-password-file", paramLabel = "FILE",
        description = "File holding the Redis password, surrounding whitespace and the final newline not part of it"
            + " (STEADFAST_BROKER_PASSWORD_FILE; default: none, or STEADFAST_BROKER_PASSWORD). Never logged.")
    String brokerPasswordFile;

    @Option(names = "--history-size", paramLabel = "N",
        description = "Publications kept per topic in Redis, for clients that resubscribe with \"since\"; 0"
            + " disables (STEADFAST_HISTORY_SIZE; default ${bundle:default.history-size}).")
    String historySize;

    @Option(names = "--history-ttl", paramLabel = "DURATION",
        description = "How long a topic's history outlives its last publication (STEADFAST_HISTORY_TTL;"
            + " default ${bundle:default.history-ttl}).")
    String historyTtl;

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
    CommandLine commandLine = new CommandLine(flags).setUnmatchedArgumentsAllowed(true)
        .setResourceBundle(new HelpDefaults());
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
    WebSocketHubConfig.Builder hub = WebSocketHubConfig.custom();
    reader.apply("--port", flags.port, reader::integer, hub::port);
    reader.apply("--bind-address", flags.bindAddress, Function.identity(), hub::bindAddress);
    Optional<String> secret = reader.secret("--token-secret", flags.tokenSecret, "--token-secret-file",
        flags.tokenSecretFile);
    secret.ifPresent(hub::tokenSecret);
    reader.apply("--publish-api-key", flags.publishApiKey, Function.identity(), hub::publishApiKey);
    reader.apply("--allowed-origins", flags.allowedOrigins, ServerCommandLine::commaList, hub::allowedOrigins);
    reader.apply("--io-threads", flags.ioThreads, reader::integer, hub::eventLoopThreads);
    reader.apply("--max-connections", flags.maxConnections, reader::integer, hub::maxConnections);
    reader.apply("--max-connections-per-address", flags.maxConnectionsPerAddress, reader::integer,
        hub::maxConnectionsPerAddress);
    reader.apply("--max-pending-handshakes-per-address", flags.maxPendingHandshakesPerAddress, reader::integer,
        hub::maxPendingHandshakesPerAddress);
    reader.apply("--max-pending-handshakes", flags.maxPendingHandshakes, reader::integer, hub::maxPendingHandshakes);
    reader.apply("--max-pings-per-second", flags.maxPingsPerSecond, reader::integer, hub::maxPingsPerSecond);
    reader.apply("--max-message-bytes", flags.maxMessageBytes, reader::integer,
        n -> hub.maxFrameSize(n).maxMessageSize(n));
    reader.apply("--max-outbound-bytes", flags.maxOutboundBytes, reader::integer, hub::maxOutboundBytes);
    reader.apply("--max-subscriptions-per-connection", flags.maxSubscriptionsPerConnection, reader::integer,
        hub::maxSubscriptionsPerConnection);
    reader.apply("--handshake-timeout", flags.handshakeTimeout, ServerCommandLine::duration, hub::handshakeTimeout);
    reader.apply("--ping-interval", flags.pingInterval, ServerCommandLine::duration, hub::pingInterval);
    reader.apply("--idle-timeout", flags.idleTimeout, ServerCommandLine::duration, hub::idleTimeout);
    reader.apply("--drain-timeout", flags.drainTimeout, ServerCommandLine::duration, builder::drainTimeout);
    reader.apply("--startup-timeout", flags.startupTimeout, ServerCommandLine::duration, builder::startupTimeout);
    redisBroker(flags, reader).ifPresent(builder::redisBroker);
    reader.apply("--leak-window", flags.operations.leakWindow, ServerCommandLine::positiveDuration,
        builder::leakWindow);
    String[] logs = {OperationsOptions.DEFAULT_LOG_FORMAT, OperationsOptions.DEFAULT_LOG_LEVEL};
    reader.apply("--log-format", flags.operations.logFormat, OperationsOptions::logFormat, f -> logs[0] = f);
    reader.apply("--log-level", flags.operations.logLevel, OperationsOptions::logLevel, l -> logs[1] = l);
    // The hub's own rules (ranges, formats, rules spanning settings), checked once, there, on the values that
    // parsed; each problem is reported under the flag that set it.
    problems.addAll(hubProblems(hub.problems()));

    if (!development && secret.isEmpty()) {
      problems.add("no token secret in the " + environment.name().toLowerCase(Locale.ROOT)
          + " environment: set --token-secret-file, STEADFAST_TOKEN_SECRET_FILE or STEADFAST_TOKEN_SECRET"
          + " (at least " + dev.steadfast.websocket.TokenIssuer.MIN_SECRET_BYTES + " bytes), or run with"
          + " STEADFAST_ENVIRONMENT=development to use a generated development secret");
    }
    if (!development && reader.value("--publish-api-key", flags.publishApiKey) == null) {
      problems.add("no publish API key in the " + environment.name().toLowerCase(Locale.ROOT)
          + " environment: set --publish-api-key or STEADFAST_PUBLISH_API_KEY (at least "
          + WebSocketHubConfig.MIN_PUBLISH_API_KEY_LENGTH + " characters), or run with"
          + " STEADFAST_ENVIRONMENT=development to use a generated development key");
    }
    if (!problems.isEmpty()) {
      throw new ConfigurationException(problems);
    }
    ServerConfig config = builder.hub(hub.build()).build();
    return new ServerCommandLine(false, usage, config, environment, new LogSettings(logs[0], logs[1]),
        unknownVariables(environmentVariables, optionNames(commandLine)));
  }

  /** The Redis broker's settings when {@code --broker} names Redis; problems go to the reader. */
  private static Optional<RedisBrokerConfig> redisBroker(Flags flags, Reader reader) {
    String uri = reader.value("--broker", flags.broker);
    Optional<String> password = reader.secret("--broker-password", null, "--broker-password-file",
        flags.brokerPasswordFile);
    if (uri == null || uri.trim().equals(IN_PROCESS)) {
      for (String flag : List.of("--history-size", "--history-ttl", "--broker-password-file")) {
        String value = reader.value(flag, switch (flag) {
          case "--history-size" -> flags.historySize;
          case "--history-ttl" -> flags.historyTtl;
          default -> flags.brokerPasswordFile;
        });
        if (value != null) {
          reader.problem(flag + " / " + variableFor(flag) + " needs --broker redis://HOST:PORT: the in-process"
              + " broker keeps no history and has no password");
        }
      }
      if (reader.value("--broker-password", null) != null) {
        reader.problem(BROKER_PASSWORD_VARIABLE + " needs --broker redis://HOST:PORT");
      }
      return Optional.empty();
    }
    RedisBrokerConfig.Builder broker = RedisBrokerConfig.custom();
    int before = reader.problemCount();
    reader.apply("--broker", uri.trim(), Function.identity(), broker::uri);
    password.ifPresent(broker::password);
    reader.apply("--history-size", flags.historySize, reader::integer, broker::historySize);
    reader.apply("--history-ttl", flags.historyTtl, ServerCommandLine::duration, broker::historyTtl);
    return reader.problemCount() == before ? Optional.of(broker.build()) : Optional.empty();
  }

  /**
   * The hub's problems, each prefixed with the flag and variable that set its setting; one per flag, since one flag
   * may set several settings ({@code --max-message-bytes} sets the frame and the message size).
   */
  private static List<String> hubProblems(List<WebSocketHubConfig.Problem> hubProblems) {
    Map<String, String> byFlag = new LinkedHashMap<>();
    for (WebSocketHubConfig.Problem problem : hubProblems) {
      String flag = FLAG_OF_SETTING.get(problem.setting());
      String key = flag != null ? flag : problem.setting();
      byFlag.putIfAbsent(key, (flag != null ? flag + " / " + variableFor(flag) + ": " : "") + problem.message());
    }
    return List.copyOf(byFlag.values());
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
    known.add(BROKER_PASSWORD_VARIABLE);
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

    Integer integer(String value) {
      try {
        return Integer.valueOf(value.trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a whole number: '" + value + "'", e);
      }
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

    void problem(String problem) {
      problems.add(problem);
    }

    int problemCount() {
      return problems.size();
    }

    /**
     * A secret given directly (flag or variable of {@code directFlag}) or in a file ({@code fileFlag}); never
     * both. The value itself never appears in a problem.
     */
    Optional<String> secret(String directFlag, String flagValue, String fileFlag, String fileFlagValue) {
      String direct = value(directFlag, flagValue);
      String file = value(fileFlag, fileFlagValue);
      if (direct != null && file != null) {
        problems.add(directFlag + " and " + fileFlag + " are both set (by flag or environment variable):"
            + " keep one");
        return Optional.empty();
      }
      if (file == null) {
        return Optional.ofNullable(direct);
      }
      String where = fileFlag + " / " + variableFor(fileFlag);
      try {
        return Optional.of(SecretFile.read(Path.of(file)));
      } catch (IllegalArgumentException e) {
        problems.add(where + ": " + e.getMessage());
        return Optional.empty();
      }
    }
  }
}
