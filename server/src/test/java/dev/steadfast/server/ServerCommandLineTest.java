package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.steadfast.websocket.WebSocketHubConfig;
import dev.steadfast.websocket.redis.RedisBrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerCommandLineTest {
  private static final Map<String, String> DEVELOPMENT = Map.of("STEADFAST_ENVIRONMENT", "development");
  private static final String SECRET = "0123456789abcdef0123456789abcdef-secret";
  private static final String KEY = "publisher-key-0123456789";

  private static ServerCommandLine parse(Map<String, String> env, String... args) {
    return ServerCommandLine.parse(args, env, new Properties());
  }

  @Test
  void noFlags_inDevelopment_usesEmbeddedDefaults() {
    ServerConfig config = parse(DEVELOPMENT).config();

    assertThat(config.hub().toString()).isEqualTo(WebSocketHubConfig.ofDefaults().toString());
    assertThat(config.hub().port()).isEqualTo(WebSocketHubConfig.DEFAULT_PORT);
    assertThat(config.hub().tokenSecret()).isEmpty();
    assertThat(config.hub().publishApiKey()).isEmpty();
    assertThat(config.developmentCredentialsAllowed()).isTrue();
    assertThat(config.drainTimeout()).isEqualTo(ServerConfig.DEFAULT_DRAIN_TIMEOUT);
  }

  @Test
  void environmentVariable_setsTheOption() {
    ServerConfig config = parse(Map.of("STEADFAST_ENVIRONMENT", "development", "STEADFAST_PORT", "9090",
        "STEADFAST_MAX_CONNECTIONS", "500", "STEADFAST_IDLE_TIMEOUT", "90s")).config();

    assertThat(config.hub().port()).isEqualTo(9090);
    assertThat(config.hub().maxConnections()).isEqualTo(500);
    assertThat(config.hub().idleTimeout()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void flag_winsOverEnvironmentVariable() {
    ServerConfig config = parse(Map.of("STEADFAST_ENVIRONMENT", "development", "STEADFAST_PORT", "9090"),
        "--port", "7070").config();

    assertThat(config.hub().port()).isEqualTo(7070);
  }

  @Test
  void misconfiguration_isReportedAllAtOnce_namingFlagVariableAndValue() {
    assertThatThrownBy(() -> parse(Map.of("STEADFAST_ENVIRONMENT", "development", "STEADFAST_MAX_CONNECTIONS", "0"),
        "--port", "abc", "--drain-timeout", "forever", "--ping-interval", "-5s", "--prot=1"))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(5))
        .hasMessageContaining("5 configuration problems (nothing was started)")
        .hasMessageContaining("--port / STEADFAST_PORT: not a whole number: 'abc'")
        .hasMessageContaining("--drain-timeout / STEADFAST_DRAIN_TIMEOUT: not a duration: 'forever'"
            + " (write e.g. 500ms, 10s, 2m, 1h, 1d or ISO-8601 PT0.5S)")
        .hasMessageContaining("--ping-interval / STEADFAST_PING_INTERVAL: not a duration: '-5s'")
        .hasMessageContaining("--max-connections / STEADFAST_MAX_CONNECTIONS: maxConnections must be positive: 0")
        .hasMessageContaining("unknown argument '--prot=1'")
        .hasMessageContaining("Run with --help");
  }

  @Test
  void settingsTheHubRejectsTogether_areReportedWithTheOthers() {
    assertThatThrownBy(() -> parse(DEVELOPMENT, "--ping-interval", "2m", "--idle-timeout", "1m", "--port", "x"))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(2))
        .hasMessageContaining("--port / STEADFAST_PORT: not a whole number: 'x'")
        .hasMessageContaining("--ping-interval / STEADFAST_PING_INTERVAL: pingInterval (PT2M) must be shorter than"
            + " idleTimeout (PT1M)");
  }

  @Test
  void production_withoutCredentials_isRejectedSayingHowToFix() {
    assertThatThrownBy(() -> parse(Map.of()))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(2))
        .hasMessageContaining("no token secret in the production environment: set --token-secret-file,"
            + " STEADFAST_TOKEN_SECRET_FILE or STEADFAST_TOKEN_SECRET")
        .hasMessageContaining("or run with STEADFAST_ENVIRONMENT=development")
        .hasMessageContaining("no publish API key in the production environment");
  }

  @Test
  void production_withCredentials_starts() {
    ServerConfig config = parse(Map.of("STEADFAST_TOKEN_SECRET", SECRET, "STEADFAST_PUBLISH_API_KEY", KEY))
        .config();

    assertThat(config.hub().tokenSecret()).hasValueSatisfying(s -> assertThat(s).isEqualTo(SECRET.getBytes(UTF_8)));
    assertThat(config.hub().publishApiKey()).hasValue(KEY);
    assertThat(config.developmentCredentialsAllowed()).isFalse();
  }

  @Test
  void shortTokenSecret_isRejectedWithoutPrintingTheSecret() {
    assertThatThrownBy(() -> parse(DEVELOPMENT, "--token-secret", "hunter2"))
        .hasMessageContaining("--token-secret / STEADFAST_TOKEN_SECRET: tokenSecret must be at least 32 bytes"
            + " (HS256 needs a 256-bit key): it has 7")
        .message().doesNotContain("hunter2");
  }

  @Test
  void tokenSecretFile_isRead(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("secret"), SECRET + "\n");

    ServerConfig config = parse(DEVELOPMENT, "--token-secret-file", file.toString()).config();

    assertThat(config.hub().tokenSecret()).hasValueSatisfying(s -> assertThat(s).isEqualTo(SECRET.getBytes(UTF_8)));
  }

  @Test
  void tokenSecretAndSecretFile_bothSet_isRejected(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("secret"), SECRET);

    assertThatThrownBy(() -> parse(Map.of("STEADFAST_ENVIRONMENT", "development", "STEADFAST_TOKEN_SECRET", SECRET),
        "--token-secret-file", file.toString()))
        .hasMessageContaining("--token-secret and --token-secret-file are both set");
  }

  @Test
  void unknownEnvironmentName_isRejectedListingTheNames() {
    assertThatThrownBy(() -> parse(Map.of("STEADFAST_ENVIRONMENT", "prod")))
        .hasMessageContaining("environment variable STEADFAST_ENVIRONMENT must be one of production, staging, test,"
            + " development: 'prod'");
  }

  @Test
  void unreadSteadfastVariable_isWarnedAsLikelyTypo() {
    ServerCommandLine line = parse(Map.of("STEADFAST_ENVIRONMENT", "development", "STEADFAST_PROT", "1"));

    assertThat(line.warnings()).singleElement().asString()
        .contains("environment variable STEADFAST_PROT is not read by the server (a typo?)")
        .contains("STEADFAST_PORT");
  }

  @Test
  void help_returnsUsageListingEveryEnvironmentVariable() {
    ServerCommandLine line = parse(Map.of(), "--help");

    assertThat(line.helpRequested()).isTrue();
    assertThat(line.usage()).contains("--port", "STEADFAST_PORT", "--token-secret-file", "STEADFAST_DRAIN_TIMEOUT");
    assertThatThrownBy(line::config).hasMessageContaining("--help was requested");
  }

  @Test
  void duration_acceptsShortFormsAndIso() {
    assertThat(ServerCommandLine.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ServerCommandLine.duration("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(ServerCommandLine.duration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(ServerCommandLine.duration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(ServerCommandLine.duration("PT3S")).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void config_toString_neverContainsSecrets() {
    ServerConfig config = parse(DEVELOPMENT, "--token-secret", SECRET, "--publish-api-key", KEY).config();

    assertThat(config.toString()).doesNotContain(SECRET).doesNotContain(KEY).contains("tokenSecret=set");
  }

  @Test
  void config_toString_namesTheHubSettingsRead() {
    ServerConfig config = parse(DEVELOPMENT, "--max-connections", "500", "--idle-timeout", "90s").config();

    assertThat(config.toString()).contains("maxConnections=500", "idleTimeout=PT1M30S").doesNotContain("Optional");
  }

  @Test
  void publishApiKeyWithWhitespace_isRejectedByTheHubRule() {
    assertThatThrownBy(() -> parse(DEVELOPMENT, "--publish-api-key", "key with a space 0123"))
        .hasMessageContaining("--publish-api-key / STEADFAST_PUBLISH_API_KEY: publishApiKey must be at least 16"
            + " characters without whitespace")
        .message().doesNotContain("with a space");
  }

  @Test
  void originWithTrailingSlash_isRejectedByTheHubRule() {
    assertThatThrownBy(() -> parse(DEVELOPMENT, "--allowed-origins", "https://app.example/"))
        .hasMessageContaining("--allowed-origins / STEADFAST_ALLOWED_ORIGINS: allowedOrigins entries must look like"
            + " 'https://host[:port]' (no path, no trailing '/')");
  }

  @Test
  void hardeningLimits_areReadLikeTheOthers() {
    ServerConfig config = parse(Map.of("STEADFAST_ENVIRONMENT", "development",
        "STEADFAST_MAX_PENDING_HANDSHAKES_PER_ADDRESS", "500"), "--max-pings-per-second", "3").config();

    assertThat(config.hub().maxPendingHandshakesPerAddress()).isEqualTo(500);
    assertThat(config.hub().maxPingsPerSecond()).isEqualTo(3);
  }

  @Test
  void maxPendingHandshakes_isReadLikeTheOthers_andCheckedAgainstThePerAddressCap() {
    ServerConfig config = parse(Map.of("STEADFAST_ENVIRONMENT", "development",
        "STEADFAST_MAX_PENDING_HANDSHAKES", "300")).config();
    assertThat(config.hub().maxPendingHandshakes()).isEqualTo(300);
    assertThat(parse(DEVELOPMENT, "--max-pending-handshakes", "250").config().hub().maxPendingHandshakes())
        .isEqualTo(250);
    assertThat(parse(Map.of(), "--help").usage().replaceAll("\\s+", " ")).contains("--max-pending-handshakes=N",
        "STEADFAST_MAX_PENDING_HANDSHAKES; default " + WebSocketHubConfig.DEFAULT_MAX_PENDING_HANDSHAKES);

    assertThatThrownBy(() -> parse(DEVELOPMENT, "--max-pending-handshakes", "10",
        "--max-pending-handshakes-per-address", "20"))
        .hasMessageContaining("--max-pending-handshakes-per-address / STEADFAST_MAX_PENDING_HANDSHAKES_PER_ADDRESS:"
            + " maxPendingHandshakesPerAddress (20) must not exceed maxPendingHandshakes (10)");
  }

  @Test
  void ioThreads_useTheHubCap() {
    assertThatThrownBy(() -> parse(DEVELOPMENT, "--io-threads", "257"))
        .hasMessageContaining("--io-threads / STEADFAST_IO_THREADS: eventLoopThreads must be between 1 and "
            + WebSocketHubConfig.MAX_EVENT_LOOP_THREADS + ": 257");
  }

  @Test
  void tooSmallMessageSize_isOneProblemForItsOneFlag() {
    assertThatThrownBy(() -> parse(DEVELOPMENT, "--max-message-bytes", "10"))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).singleElement()
            .asString().startsWith("--max-message-bytes / STEADFAST_MAX_MESSAGE_BYTES: "));
  }

  @Test
  void noBrokerFlag_keepsTheInProcessBroker() {
    assertThat(parse(DEVELOPMENT).config().redisBroker()).isEmpty();
    assertThat(parse(DEVELOPMENT, "--broker", "in-process").config().redisBroker()).isEmpty();
  }

  @Test
  void redisBroker_withHistorySettings_andPasswordFromAFile(@TempDir Path dir) throws Exception {
    Path passwordFile = dir.resolve("redis-password");
    Files.writeString(passwordFile, "s3cret-redis-password\n", UTF_8);

    ServerConfig config = parse(DEVELOPMENT, "--broker", "rediss://redis.internal:6380", "--history-size", "500",
        "--history-ttl", "2m", "--broker-password-file", passwordFile.toString()).config();

    RedisBrokerConfig broker = config.redisBroker().orElseThrow();
    assertThat(broker.uri().toString()).isEqualTo("rediss://redis.internal:6380");
    assertThat(broker.historySize()).isEqualTo(500);
    assertThat(broker.historyTtl()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.toString()).contains("password=(set)").doesNotContain("s3cret");
  }

  @Test
  void redisBroker_passwordFromTheEnvironment_isNeverPrinted() {
    ServerCommandLine line = parse(Map.of("STEADFAST_ENVIRONMENT", "development", "STEADFAST_BROKER",
        "redis://127.0.0.1:6379", "STEADFAST_BROKER_PASSWORD", "s3cret-redis-password"));

    assertThat(line.config().redisBroker()).isPresent();
    assertThat(line.config().toString()).doesNotContain("s3cret");
    assertThat(line.warnings()).as("a variable the server reads").isEmpty();
    assertThatThrownBy(() -> parse(Map.of("STEADFAST_ENVIRONMENT", "development", "STEADFAST_BROKER_PASSWORD",
        "s3cret-redis-password")))
        .hasMessageContaining("STEADFAST_BROKER_PASSWORD needs --broker redis://HOST:PORT")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
  }

  @Test
  void brokerMisconfiguration_isReportedAllAtOnce() {
    assertThatThrownBy(() -> parse(DEVELOPMENT, "--broker", "redis://user:pw@127.0.0.1:6379", "--history-size",
        "-1", "--history-ttl", "0s"))
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(3))
        .hasMessageContaining("--broker / STEADFAST_BROKER: Redis URI must not carry a password (it would be"
            + " logged); pass it from a file or an environment variable instead")
        .hasMessageContaining("--history-size / STEADFAST_HISTORY_SIZE: historySize must not be negative: -1")
        .hasMessageContaining("--history-ttl / STEADFAST_HISTORY_TTL: historyTtl must be at least PT1S: PT0S")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw@"));
  }

  @Test
  void historySettings_withoutRedis_areRefused() {
    assertThatThrownBy(() -> parse(DEVELOPMENT, "--history-size", "10", "--broker", "http://127.0.0.1:6379"))
        .hasMessageContaining("--broker / STEADFAST_BROKER: Redis URI must start with redis:// or rediss://:"
            + " http://...");
    assertThatThrownBy(() -> parse(DEVELOPMENT, "--history-size", "10"))
        .hasMessageContaining("--history-size / STEADFAST_HISTORY_SIZE needs --broker redis://HOST:PORT: the"
            + " in-process broker keeps no history and has no password");
  }
}
