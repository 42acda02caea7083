package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Configuration is validated at once, naming the parameter and the value; build() reports every conflict. */
class WebSocketHubBuilderTest {

    private static final byte[] SECRET = HubTestSupport.SECRET;

    @Test
    void defaults_matchTheDocumentedValues() {
        assertThat(WebSocketHub.DEFAULT_MAX_FRAME_SIZE).isEqualTo(65_536);
        assertThat(WebSocketHub.DEFAULT_MAX_MESSAGE_SIZE).isEqualTo(65_536);
        assertThat(WebSocketHub.DEFAULT_HANDSHAKE_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
        assertThat(WebSocketHub.DEFAULT_PING_INTERVAL).isEqualTo(Duration.ofSeconds(25));
        assertThat(WebSocketHub.DEFAULT_IDLE_TIMEOUT).isEqualTo(Duration.ofSeconds(60));
        assertThat(WebSocketHub.DEFAULT_PORT).isEqualTo(8080);
        assertThat(WebSocketHub.DEFAULT_PATH).isEqualTo("/ws");
    }

    @Test
    void negativeIdleTimeout_isRejected() {
        assertThatThrownBy(() -> WebSocketHub.builder().idleTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("idleTimeout must be positive: PT-1S");
    }

    @Test
    void zeroIdleTimeout_isRejected_soItCanNeverBeDisabled() {
        assertThatThrownBy(() -> WebSocketHub.builder().idleTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("idleTimeout must be positive: PT0S");
    }

    @Test
    void zeroHandshakeTimeout_isRejected() {
        assertThatThrownBy(() -> WebSocketHub.builder().handshakeTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("handshakeTimeout must be positive: PT0S");
    }

    @Test
    void portOutOfRange_isRejected() {
        assertThatThrownBy(() -> WebSocketHub.builder().port(70_000))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("port must be between 0 and 65535: 70000");
    }

    @Test
    void tinyFrameSize_isRejected() {
        assertThatThrownBy(() -> WebSocketHub.builder().maxFrameSize(10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxFrameSize must be between 125 and 16777216 bytes: 10");
    }

    @Test
    void zeroConnectionCap_isRejected() {
        assertThatThrownBy(() -> WebSocketHub.builder().maxConnectionsPerAddress(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConnectionsPerAddress must be positive: 0");
    }

    @Test
    void tinyOutboundBound_isRejected() {
        assertThatThrownBy(() -> WebSocketHub.builder().maxOutboundBytes(100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxOutboundBytes must be between 1024 and 1073741824: 100");
    }

    @Test
    void shortSecret_isRejectedNamingTheFix() {
        assertThatThrownBy(() -> WebSocketHub.builder().tokenSecret(new byte[8]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secret must be at least 32 bytes (HS256 needs a 256-bit key): 8 bytes; "
                        + "use TokenIssuer.newSecret()");
    }

    @Test
    void shortApiKey_isRejectedWithoutEchoingIt() {
        assertThatThrownBy(() -> WebSocketHub.builder().publishApiKey("short"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("publishApiKey must be at least 16 characters: 5 characters");
    }

    @Test
    void originWithTrailingSlash_isRejected() {
        assertThatThrownBy(() -> WebSocketHub.builder().allowedOrigins(List.of("https://app.example/")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'https://app.example/'");
    }

    @Test
    void routeOnThePublishPath_isRejected() {
        assertThatThrownBy(() -> WebSocketHub.builder().route("POST", WebSocketHub.PUBLISH_PATH,
                request -> HttpReply.text(200, "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("route path /api/publish is reserved for the publish API");
    }

    @Test
    void sameRouteTwice_isAStateError() {
        WebSocketHub.Builder builder = WebSocketHub.builder().route("GET", "/a", request -> HttpReply.text(200, ""));

        assertThatThrownBy(() -> builder.route("get", "/a", request -> HttpReply.text(200, "")))
                .isInstanceOf(IllegalStateException.class).hasMessage("a route for GET /a was already added");
    }

    @Test
    void brokerTwice_isAStateError() {
        WebSocketHub.Builder builder = WebSocketHub.builder().broker(new InProcessBroker());

        assertThatThrownBy(() -> builder.broker(new InProcessBroker()))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("broker was already set to ");
    }

    @Test
    void build_reportsEveryProblemAtOnce() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            WebSocketHub.Builder builder = WebSocketHub.builder()
                    .pingInterval(Duration.ofSeconds(30)).idleTimeout(Duration.ofSeconds(20))
                    .maxFrameSize(2048).maxMessageSize(1024)
                    .maxConnections(5).maxConnectionsPerAddress(6)
                    .eventLoopGroup(group).eventLoopThreads(2)
                    .route("GET", "/ws", request -> HttpReply.text(200, ""));

            assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Invalid WebSocketHub configuration:")
                    .hasMessageContaining("tokenSecret is required")
                    .hasMessageContaining("pingInterval (PT30S) must be shorter than idleTimeout (PT20S)")
                    .hasMessageContaining("maxFrameSize (2048) must not exceed maxMessageSize (1024)")
                    .hasMessageContaining("maxConnectionsPerAddress (6) must not exceed maxConnections (5)")
                    .hasMessageContaining("eventLoopGroup is caller-owned and conflicts with threadFactory")
                    .hasMessageContaining("route path /ws is the WebSocket path");
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void validConfiguration_builds() {
        WebSocketHub hub = WebSocketHub.builder().tokenSecret(SECRET).port(0).build();

        assertThat(hub.toString()).isEqualTo("WebSocketHub[NEW, port=0]");
        hub.close();
    }
}
