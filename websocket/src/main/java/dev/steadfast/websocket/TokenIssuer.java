package dev.steadfast.websocket;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * Mints the HS256 JWTs the hub accepts: subject, expiry, and the topic patterns the holder may subscribe to and
 * publish on. For development tokens and tests; production tokens usually come from an identity provider using the
 * same claims ({@value #SUBSCRIBE_CLAIM}, {@value #PUBLISH_CLAIM}: arrays of patterns such as {@code user:42} or
 * {@code room:*}, where {@code *} matches any run of characters).
 *
 * <pre>{@code
 * byte[] secret = TokenIssuer.newSecret();
 * String token = TokenIssuer.hs256(secret)
 *     .issue("42", List.of("user:42", "room:*"), List.of("room:*"), Duration.ofHours(1));
 * // ws://host:8080/ws?access_token=<token>, or header "Authorization: Bearer <token>"
 * }</pre>
 */
public final class TokenIssuer {

    /** Claim listing the topic patterns the holder may subscribe to. */
    public static final String SUBSCRIBE_CLAIM = "subscribe";
    /** Claim listing the topic patterns the holder may publish on. */
    public static final String PUBLISH_CLAIM = "publish";
    /** Smallest accepted secret: HS256 needs a key of at least 256 bits. */
    public static final int MIN_SECRET_BYTES = 32;

    private final MACSigner signer;
    private final Clock clock;

    private TokenIssuer(byte[] secret, Clock clock) {
        requireSecret(secret);
        try {
            this.signer = new MACSigner(secret.clone());
        } catch (JOSEException e) {
            throw new IllegalArgumentException("secret is not a usable HS256 key: " + e.getMessage(), e);
        }
        this.clock = clock;
    }

    /**
     * An issuer signing with {@code secret}.
     *
     * @throws IllegalArgumentException if the secret is shorter than {@value #MIN_SECRET_BYTES} bytes
     */
    public static TokenIssuer hs256(byte[] secret) {
        return new TokenIssuer(secret, Clock.systemUTC());
    }

    /** A new random secret of {@value #MIN_SECRET_BYTES} bytes from {@link SecureRandom}. */
    public static byte[] newSecret() {
        byte[] secret = new byte[MIN_SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    /**
     * A token valid for {@code timeToLive} from now.
     *
     * @param subject   who the token is for (the {@code sub} claim), e.g. a user id
     * @param subscribe topic patterns the holder may subscribe to
     * @param publish   topic patterns the holder may publish on
     * @throws IllegalArgumentException if {@code timeToLive} is not positive or a pattern is blank
     */
    public String issue(String subject, Collection<String> subscribe, Collection<String> publish, Duration timeToLive) {
        if (timeToLive.isNegative() || timeToLive.isZero()) {
            throw new IllegalArgumentException("timeToLive must be positive: " + timeToLive);
        }
        return issue(subject, subscribe, publish, clock.instant().plus(timeToLive));
    }

    /**
     * A token expiring at {@code expiresAt} (which may be in the past, to test expiry).
     *
     * @throws IllegalArgumentException if the subject or a pattern is blank
     */
    public String issue(String subject, Collection<String> subscribe, Collection<String> publish, Instant expiresAt) {
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("subject must not be blank: '" + subject + "'");
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .subject(subject)
                .issueTime(Date.from(clock.instant()))
                .expirationTime(Date.from(expiresAt))
                .claim(SUBSCRIBE_CLAIM, patterns(SUBSCRIBE_CLAIM, subscribe))
                .claim(PUBLISH_CLAIM, patterns(PUBLISH_CLAIM, publish))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("HS256 signing failed: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    private static List<String> patterns(String claim, Collection<String> patterns) {
        for (String pattern : patterns) {
            if (pattern == null || pattern.isBlank()) {
                throw new IllegalArgumentException(claim + " patterns must not be blank: " + patterns);
            }
        }
        return List.copyOf(patterns);
    }

    static void requireSecret(byte[] secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("secret must be at least " + MIN_SECRET_BYTES
                    + " bytes (HS256 needs a 256-bit key): " + secret.length + " bytes; use TokenIssuer.newSecret()");
        }
    }

    @Override
    public String toString() {
        return "TokenIssuer[HS256]";
    }
}
