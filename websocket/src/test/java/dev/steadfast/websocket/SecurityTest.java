package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tokens, topic grants, origins and the publish API's key: refusals are clean HTTP errors or error frames. */
class SecurityTest extends HubTestSupport {

    @Test
    void userToken_cannotSubscribeToAnotherUsersTopic() throws Exception {
        start();
        WsTestClient user1 = WsTestClient.connect(clients, hub.port(), token("1", List.of("user:1"), List.of()));

        JsonNode own = user1.request("{\"op\":\"subscribe\",\"topic\":\"user:1\",\"id\":1}");
        JsonNode other = user1.request("{\"op\":\"subscribe\",\"topic\":\"user:2\",\"id\":2}");

        assertThat(own.path("op").asText()).isEqualTo("subscribed");
        assertThat(other.path("op").asText()).isEqualTo("error");
        assertThat(other.path("code").asText()).isEqualTo("forbidden");
        assertThat(other.path("message").asText()).isEqualTo("your token does not allow subscribing to 'user:2'");
        assertThat(other.path("id").asInt()).isEqualTo(2);
        assertThat(hub.statistics().subscriptions()).isEqualTo(1);
    }

    @Test
    void publishOutsideTheTokensPatterns_isForbidden_andNotDelivered() throws Exception {
        start();
        WsTestClient reader = WsTestClient.connect(clients, hub.port(), token("r", List.of("room:*"), List.of()));
        subscribe(reader, "room:1");

        JsonNode error = reader.request("{\"op\":\"publish\",\"topic\":\"room:1\",\"id\":5,\"payload\":1}");

        assertThat(error.path("code").asText()).isEqualTo("forbidden");
        assertThat(error.path("message").asText()).isEqualTo("your token does not allow publishing on 'room:1'");
        assertThat(reader.nextWithin(200)).as("nothing delivered").isNull();
        assertThat(hub.statistics().publishes()).isZero();
    }

    @Test
    void wildcardPattern_grantsEveryMatchingTopic() throws Exception {
        start();
        WsTestClient client = WsTestClient.connect(clients, hub.port(), token("w", List.of("room:*"), List.of()));

        subscribe(client, "room:lobby");
        JsonNode refused = client.request("{\"op\":\"subscribe\",\"topic\":\"rooms\"}");

        assertThat(refused.path("code").asText()).isEqualTo("forbidden");
    }

    @Test
    void queryParameterToken_isAccepted() throws Exception {
        start();
        String token = token("q", List.of("room:*"), List.of());
        WsTestClient client = WsTestClient.connect(clients, hub.port(), "/ws?access_token=" + token, Map.of(),
                false);

        subscribe(client, "room:1");
    }

    @Test
    void missingToken_is401WithAJsonBody_andNoStackTrace() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.upgradeRequest("/ws"));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(response.body()).isEqualTo("{\"error\":\"missing_token\",\"message\":\"a token is required: send "
                + "'Authorization: Bearer <token>' or the access_token query parameter\"}");
        awaitBaseline();
    }

    @Test
    void expiredToken_is401TokenExpired() throws Exception {
        start(config().tokenClockSkew(Duration.ZERO));
        String expired = TOKENS.issue("u", List.of("room:*"), List.of(), Instant.now().minusSeconds(5));

        RawHttp.Response response = RawHttp.exchange(hub.port(),
                RawHttp.upgradeRequest("/ws", "Authorization: Bearer " + expired));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).contains("\"error\":\"invalid_token\"").contains("token expired at");
        assertThat(response.body()).doesNotContain(expired).doesNotContain("Exception").doesNotContain("\tat ");
        awaitClosed(CloseReason.HANDSHAKE_REJECTED, 1);
    }

    @Test
    void tokenSignedWithAnotherSecret_is401InvalidSignature() throws Exception {
        start();
        String forged = TokenIssuer.hs256("another-secret-another-secret-xx".getBytes(StandardCharsets.US_ASCII))
                .issue("u", List.of("*"), List.of("*"), Duration.ofMinutes(5));

        RawHttp.Response response = RawHttp.exchange(hub.port(),
                RawHttp.upgradeRequest("/ws?access_token=" + forged));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).contains("invalid token signature");
    }

    @Test
    void unsignedToken_isRefused() throws Exception {
        start();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("u").claim("subscribe", List.of("*"))
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).build();
        String unsigned = new PlainJWT(claims).serialize();

        RawHttp.Response response = RawHttp.exchange(hub.port(),
                RawHttp.upgradeRequest("/ws", "Authorization: Bearer " + unsigned));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).contains("malformed token");
    }

    @Test
    void tokenWithoutExpiry_isRefused() throws Exception {
        start();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder().subject("u").claim("subscribe", List.of("*")).build());
        jwt.sign(new MACSigner(SECRET));

        RawHttp.Response response = RawHttp.exchange(hub.port(),
                RawHttp.upgradeRequest("/ws", "Authorization: Bearer " + jwt.serialize()));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).contains("token has no expiry");
    }

    @Test
    void garbageToken_is401Malformed() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(),
                RawHttp.upgradeRequest("/ws", "Authorization: Bearer not.a.jwt"));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).contains("malformed token");
    }

    @Test
    void crossSiteOrigin_is403() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.upgradeRequest(
                "/ws?access_token=" + token("u", List.of(), List.of()), "Origin: https://evil.example"));

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.body()).isEqualTo(
                "{\"error\":\"origin_not_allowed\",\"message\":\"origin https://evil.example is not allowed\"}");
        awaitClosed(CloseReason.HANDSHAKE_REJECTED, 1);
    }

    @Test
    void allowlistedOrigin_isAccepted() throws Exception {
        start(config().allowedOrigins(List.of("https://app.example")));
        WsTestClient client = WsTestClient.connect(clients, hub.port(), "/ws",
                Map.of("Origin", "https://app.example", "Authorization",
                        "Bearer " + token("u", List.of("room:*"), List.of())), false);

        subscribe(client, "room:1");
    }

    @Test
    void sameOrigin_isAcceptedWithoutAllowlist() throws Exception {
        start();
        WsTestClient client = WsTestClient.connect(clients, hub.port(), "/ws",
                Map.of("Origin", "http://127.0.0.1:" + hub.port(), "Authorization",
                        "Bearer " + token("u", List.of("room:*"), List.of())), false);

        subscribe(client, "room:1");
    }

    @Test
    void publishApi_withTheKey_deliversToSubscribers() throws Exception {
        start();
        WsTestClient subscriber = roomClient();
        subscribe(subscriber, "room:news");

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post(WebSocketHub.PUBLISH_PATH,
                "{\"topic\":\"room:news\",\"payload\":{\"headline\":\"up\"}}", "X-Api-Key: " + API_KEY));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"published\",\"topic\":\"room:news\"}");
        assertThat(subscriber.next().path("payload").path("headline").asText()).isEqualTo("up");
    }

    @Test
    void publishApi_withAWrongKey_is401_andPublishesNothing() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post(WebSocketHub.PUBLISH_PATH,
                "{\"topic\":\"room:news\",\"payload\":1}", "X-Api-Key: wrong-key-wrong-key"));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).isEqualTo("{\"error\":\"invalid_api_key\",\"message\":\"invalid API key\"}");
        assertThat(hub.statistics().publishes()).isZero();
    }

    @Test
    void publishApi_withoutAKey_is401() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post(WebSocketHub.PUBLISH_PATH,
                "{\"topic\":\"room:news\",\"payload\":1}"));

        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).contains("X-Api-Key");
    }

    @Test
    void publishApi_notConfigured_is403Disabled() throws Exception {
        hub = WebSocketHub.builder(WebSocketHubConfig.custom().port(0).bindAddress("127.0.0.1")
                .tokenSecret(SECRET).eventLoopThreads(1).build()).build();
        broker = (InProcessBroker) hub.broker();
        hub.start();

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post(WebSocketHub.PUBLISH_PATH,
                "{\"topic\":\"room:news\",\"payload\":1}", "X-Api-Key: " + API_KEY));

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.body()).contains("the publish API is disabled: no API key is configured");
    }

    @Test
    void publishApi_badBody_is400() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post(WebSocketHub.PUBLISH_PATH,
                "{\"payload\":1}", "X-Api-Key: " + API_KEY));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("expected a JSON body");
    }

    @Test
    void publishApi_get_is405WithAllowHeader() throws Exception {
        start();
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.get(WebSocketHub.PUBLISH_PATH));

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.header("Allow")).isEqualTo("POST");
    }
}
