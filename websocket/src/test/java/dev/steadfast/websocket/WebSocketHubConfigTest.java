package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every rule of a hub configuration, checked in one place; build() names every problem at once. */
class WebSocketHubConfigTest {

    private static String onlyProblem(WebSocketHubConfig.Builder builder) {
        assertThat(builder.problems()).hasSize(1);
        return builder.problems().get(0).message();
    }

    @Test
    void ofDefaults_hasEveryDocumentedDefault() {
        WebSocketHubConfig config = WebSocketHubConfig.ofDefaults();

        assertThat(config.port()).isEqualTo(WebSocketHubConfig.DEFAULT_PORT).isEqualTo(8080);
        assertThat(config.bindAddress()).isEqualTo("0.0.0.0");
        assertThat(config.path()).isEqualTo("/ws");
        assertThat(config.maxFrameSize()).isEqualTo(65_536);
        assertThat(config.maxMessageSize()).isEqualTo(65_536);
        assertThat(config.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.pingInterval()).isEqualTo(Duration.ofSeconds(25));
        assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.eventLoopThreads()).isEqualTo(WebSocketHubConfig.DEFAULT_EVENT_LOOP_THREADS);
        assertThat(config.tokenSecret()).isEmpty();
        assertThat(config.publishApiKey()).isEmpty();
    }

    @Test
    void from_copiesEverySetting_andChangesOnlyWhatIsSet() {
        WebSocketHubConfig original = WebSocketHubConfig.custom().port(9000).maxConnections(7)
                .maxConnectionsPerAddress(3).tokenSecret(HubTestSupport.SECRET).publishApiKey("k".repeat(16))
                .allowedOrigins(List.of("https://a.example")).eventLoopThreads(3).build();

        WebSocketHubConfig copy = WebSocketHubConfig.from(original).port(9001).build();

        assertThat(copy.toString()).isEqualTo(original.toString().replace("port=9000", "port=9001"));
        assertThat(copy.tokenSecret()).hasValueSatisfying(s -> assertThat(s).isEqualTo(HubTestSupport.SECRET));
    }

    @Test
    void negativeIdleTimeout_isRejected() {
        assertThat(onlyProblem(WebSocketHubConfig.custom().idleTimeout(Duration.ofSeconds(-1))))
                .isEqualTo("idleTimeout must be positive: PT-1S");
    }

    @Test
    void zeroIdleTimeout_isRejected_soItCanNeverBeDisabled() {
        assertThat(onlyProblem(WebSocketHubConfig.custom().idleTimeout(Duration.ZERO)))
                .isEqualTo("idleTimeout must be positive: PT0S");
    }

    @Test
    void portOutOfRange_isRejected() {
        assertThat(onlyProblem(WebSocketHubConfig.custom().port(70_000)))
                .isEqualTo("port must be between 0 and 65535: 70000");
    }

    @Test
    void tinyFrameSize_isRejected() {
        assertThat(onlyProblem(WebSocketHubConfig.custom().maxFrameSize(10)))
                .isEqualTo("maxFrameSize must be between 125 and 16777216 bytes: 10");
    }

    @Test
    void pendingHandshakes_hubWideCapAtLeastThePerAddressOne() {
        assertThat(WebSocketHubConfig.ofDefaults().maxPendingHandshakes())
                .isEqualTo(WebSocketHubConfig.DEFAULT_MAX_PENDING_HANDSHAKES)
                .isGreaterThanOrEqualTo(WebSocketHubConfig.DEFAULT_MAX_PENDING_HANDSHAKES_PER_ADDRESS);
        assertThat(onlyProblem(WebSocketHubConfig.custom().maxPendingHandshakes(0)))
                .isEqualTo("maxPendingHandshakes must be positive: 0");
        assertThat(onlyProblem(WebSocketHubConfig.custom().maxPendingHandshakes(10)
                .maxPendingHandshakesPerAddress(20)))
                .isEqualTo("maxPendingHandshakesPerAddress (20) must not exceed maxPendingHandshakes (10)");
    }

    @Test
    void tinyOutboundBound_isRejected() {
        assertThat(onlyProblem(WebSocketHubConfig.custom().maxOutboundBytes(100)))
                .isEqualTo("maxOutboundBytes must be between 1024 and 1073741824 bytes: 100");
    }

    @Test
    void shortSecret_isRejectedByLengthOnly() {
        assertThat(onlyProblem(WebSocketHubConfig.custom().tokenSecret("hunter2")))
                .startsWith("tokenSecret must be at least 32 bytes (HS256 needs a 256-bit key): it has 7;")
                .doesNotContain("hunter2");
    }

    @Test
    void apiKeyWithWhitespace_isRejectedWithoutEchoingIt() {
        assertThat(onlyProblem(WebSocketHubConfig.custom().publishApiKey("a key with spaces 123")))
                .startsWith("publishApiKey must be at least 16 characters without whitespace: it has 21 characters"
                        + " including whitespace")
                .doesNotContain("spaces");
    }

    @Test
    void originWithTrailingSlash_isRejected() {
        assertThat(onlyProblem(WebSocketHubConfig.custom().allowedOrigins(List.of("https://app.example/"))))
                .contains("no trailing '/'").contains("'https://app.example/'");
    }

    @Test
    void origins_areLowerCased_andStarAllowsAny() {
        WebSocketHubConfig config = WebSocketHubConfig.custom()
                .allowedOrigins(List.of("HTTPS://App.Example:8443", "*")).build();

        assertThat(config.allowedOrigins()).containsExactlyInAnyOrder("https://app.example:8443", "*");
        assertThat(config.anyOriginAllowed()).isTrue();
    }

    @Test
    void tooManyEventLoopThreads_isRejected() {
        assertThat(onlyProblem(WebSocketHubConfig.custom().eventLoopThreads(257)))
                .isEqualTo("eventLoopThreads must be between 1 and 256: 257");
    }

    @Test
    void build_reportsEveryProblemAtOnce_eachNamingItsSetting() {
        WebSocketHubConfig.Builder builder = WebSocketHubConfig.custom()
                .port(-1)
                .pingInterval(Duration.ofSeconds(30)).idleTimeout(Duration.ofSeconds(20))
                .maxFrameSize(2048).maxMessageSize(1024)
                .maxConnections(5).maxConnectionsPerAddress(6)
                .maxPingsPerSecond(0);

        assertThat(builder.problems()).extracting(WebSocketHubConfig.Problem::setting)
                .containsExactly("port", "maxFrameSize", "pingInterval", "maxConnectionsPerAddress",
                        "maxPingsPerSecond");
        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid WebSocketHub configuration:\n  - port must be between 0 and 65535")
                .hasMessageContaining("pingInterval (PT30S) must be shorter than idleTimeout (PT20S)")
                .hasMessageContaining("maxFrameSize (2048) must not exceed maxMessageSize (1024)")
                .hasMessageContaining("maxConnectionsPerAddress (6) must not exceed maxConnections (5)")
                .hasMessageContaining("maxPingsPerSecond must be positive: 0");
    }

    @Test
    void toString_neverContainsTheSecretOrTheKey() {
        WebSocketHubConfig config = WebSocketHubConfig.custom().tokenSecret("s".repeat(40))
                .publishApiKey("publisher-key-0123456789").build();

        assertThat(config.toString()).contains("tokenSecret=set", "publishApiKey=set")
                .doesNotContain("sssss").doesNotContain("publisher-key");
    }
}
