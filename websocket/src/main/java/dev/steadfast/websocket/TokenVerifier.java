package dev.steadfast.websocket;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/** Verifies HS256 client tokens with nimbus-jose-jwt and turns their claims into {@link Grants}. */
final class TokenVerifier {

    /** Why a token was refused; the message is safe to send to the client and to log (it never holds the token). */
    static final class InvalidTokenException extends Exception {
        InvalidTokenException(String message) {
            super(message, null, false, false);
        }
    }

    private static final String[] NO_PATTERNS = new String[0];

    private final MACVerifier verifier;
    private final Duration clockSkew;
    private final Clock clock;

    TokenVerifier(byte[] secret, Duration clockSkew, Clock clock) {
        try {
            this.verifier = new MACVerifier(secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("tokenSecret is not a usable HS256 key: " + e.getMessage(), e);
        }
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    Grants verify(String token) throws InvalidTokenException {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new InvalidTokenException("malformed token: not a signed JWT");
        }
        // Pinning the algorithm refuses "alg":"none" and algorithm-confusion tokens before any key is used.
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
            throw new InvalidTokenException("unsupported token algorithm " + jwt.getHeader().getAlgorithm()
                    + ": expected HS256");
        }
        try {
            if (!jwt.verify(verifier)) {
                throw new InvalidTokenException("invalid token signature");
            }
        } catch (JOSEException e) {
            throw new InvalidTokenException("invalid token signature");
        }
        try {
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date expiration = claims.getExpirationTime();
            if (expiration == null) {
                throw new InvalidTokenException("token has no expiry (exp claim)");
            }
            Instant expiresAt = expiration.toInstant();
            if (!clock.instant().isBefore(expiresAt.plus(clockSkew))) {
                throw new InvalidTokenException("token expired at " + expiresAt);
            }
            Date notBefore = claims.getNotBeforeTime();
            if (notBefore != null && clock.instant().plus(clockSkew).isBefore(notBefore.toInstant())) {
                throw new InvalidTokenException("token not valid before " + notBefore.toInstant());
            }
            String subject = claims.getSubject();
            if (subject == null || subject.isBlank()) {
                throw new InvalidTokenException("token has no subject (sub claim)");
            }
            return new Grants(patterns(claims, TokenIssuer.SUBSCRIBE_CLAIM),
                    patterns(claims, TokenIssuer.PUBLISH_CLAIM), expiresAt);
        } catch (ParseException e) {
            throw new InvalidTokenException("malformed token claims: " + e.getMessage());
        }
    }

    private static String[] patterns(JWTClaimsSet claims, String name) throws ParseException {
        List<String> values = claims.getStringListClaim(name);
        if (values == null) {
            return NO_PATTERNS;
        }
        List<String> patterns = new ArrayList<>(values.size());
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                patterns.add(value);
            }
        }
        return patterns.isEmpty() ? NO_PATTERNS : patterns.toArray(NO_PATTERNS);
    }
}
