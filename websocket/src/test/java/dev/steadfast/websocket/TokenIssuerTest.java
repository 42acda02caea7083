package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issued tokens round-trip through the hub's verifier; the verifier refuses what it must. */
class TokenIssuerTest {

    private static final byte[] SECRET = HubTestSupport.SECRET;

    @Test
    void issuedToken_verifiesWithItsGrants() throws Exception {
        String token = TokenIssuer.hs256(SECRET).issue("42", List.of("user:42", "room:*"), List.of("room:*"),
                Duration.ofMinutes(5));

        Grants grants = new TokenVerifier(SECRET, Duration.ZERO, Clock.systemUTC()).verify(token);

        assertThat(grants.maySubscribe("user:42")).isTrue();
        assertThat(grants.maySubscribe("user:43")).isFalse();
        assertThat(grants.maySubscribe("room:1")).isTrue();
        assertThat(grants.mayPublish("room:1")).isTrue();
        assertThat(grants.mayPublish("user:42")).isFalse();
    }

    @Test
    void expiredToken_isRefusedAfterTheSkew_butAcceptedWithin() throws Exception {
        Instant expiry = Instant.parse("2030-01-01T00:00:00Z");
        String token = TokenIssuer.hs256(SECRET).issue("u", List.of(), List.of(), expiry);
        TokenVerifier strict = new TokenVerifier(SECRET, Duration.ofSeconds(30),
                Clock.fixed(expiry.plusSeconds(31), java.time.ZoneOffset.UTC));
        TokenVerifier lenient = new TokenVerifier(SECRET, Duration.ofSeconds(30),
                Clock.fixed(expiry.plusSeconds(29), java.time.ZoneOffset.UTC));

        assertThatThrownBy(() -> strict.verify(token)).isInstanceOf(TokenVerifier.InvalidTokenException.class)
                .hasMessage("token expired at 2030-01-01T00:00:00Z");
        assertThat(lenient.verify(token).expiresAt()).isEqualTo(expiry);
    }

    @Test
    void tokenNotYetValid_isRefused() throws Exception {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
                new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
                new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("u")
                        .notBeforeTime(java.util.Date.from(now.plusSeconds(600)))
                        .expirationTime(java.util.Date.from(now.plusSeconds(3600))).build());
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner(SECRET));
        TokenVerifier verifier = new TokenVerifier(SECRET, Duration.ofSeconds(30),
                Clock.fixed(now, java.time.ZoneOffset.UTC));

        assertThatThrownBy(() -> verifier.verify(jwt.serialize()))
                .isInstanceOf(TokenVerifier.InvalidTokenException.class)
                .hasMessage("token not valid before 2030-01-01T00:10:00Z");
    }

    @Test
    void newSecret_isRandomAnd32Bytes() {
        byte[] first = TokenIssuer.newSecret();

        assertThat(first).hasSize(32);
        assertThat(first).isNotEqualTo(TokenIssuer.newSecret());
    }

    @Test
    void nonPositiveTimeToLive_isRejected() {
        assertThatThrownBy(() -> TokenIssuer.hs256(SECRET).issue("u", List.of(), List.of(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeToLive must be positive: PT0S");
    }

    @Test
    void blankPattern_isRejected() {
        assertThatThrownBy(() -> TokenIssuer.hs256(SECRET).issue("u", List.of(" "), List.of(), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("subscribe patterns must not be blank");
    }
}
