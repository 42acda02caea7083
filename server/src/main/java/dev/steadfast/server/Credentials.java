package dev.steadfast.server;

import dev.steadfast.websocket.TokenIssuer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The credentials a running {@link SteadfastServer} uses: the HS256 token secret (never exposed, only a
 * {@link TokenIssuer} over it) and the publish API key. When the configuration gives none and development
 * credentials are allowed, both are generated at start, together with a ready-to-use development token; those are
 * the only values ever printed, and they are marked DEVELOPMENT ONLY.
 *
 * <pre>{@code
 * Credentials credentials = server.credentials();
 * String token = credentials.tokenIssuer().issue("42", List.of("user:42"), List.of(), Duration.ofHours(1));
 * credentials.developmentToken().ifPresent(t -> System.out.println("DEVELOPMENT ONLY token: " + t));
 * }</pre>
 */
public final class Credentials {
  /** Lifetime of the generated development token. */
  public static final Duration DEVELOPMENT_TOKEN_TTL = Duration.ofHours(24);
  /** Subject of the generated development token. */
  public static final String DEVELOPMENT_SUBJECT = "developer";

  private final byte[] tokenSecret;
  private final String publishApiKey;
  private final boolean secretGenerated;
  private final boolean apiKeyGenerated;
  private final TokenIssuer issuer;
  private final Optional<String> developmentToken;

  private Credentials(byte[] tokenSecret, String publishApiKey, boolean secretGenerated, boolean apiKeyGenerated) {
    this.tokenSecret = tokenSecret;
    this.publishApiKey = publishApiKey;
    this.secretGenerated = secretGenerated;
    this.apiKeyGenerated = apiKeyGenerated;
    this.issuer = TokenIssuer.hs256(tokenSecret);
    this.developmentToken = secretGenerated
        ? Optional.of(issuer.issue(DEVELOPMENT_SUBJECT, List.of("*"), List.of("*"), DEVELOPMENT_TOKEN_TTL))
        : Optional.empty();
  }

  /**
   * Takes the configured credentials, generating the missing ones when allowed.
   *
   * @throws IllegalStateException when one is missing and development credentials are not allowed
   */
  static Credentials resolve(ServerConfig config) {
    Optional<byte[]> configuredSecret = config.hub().tokenSecret();
    Optional<String> configuredKey = config.hub().publishApiKey();
    if (!config.developmentCredentialsAllowed() && (configuredSecret.isEmpty() || configuredKey.isEmpty())) {
      throw new IllegalStateException("token secret and publish API key must be configured outside development");
    }
    byte[] secret = configuredSecret.orElseGet(TokenIssuer::newSecret);
    String key = configuredKey.orElseGet(Credentials::newApiKey);
    return new Credentials(secret, key, configuredSecret.isEmpty(), configuredKey.isEmpty());
  }

  private static String newApiKey() {
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    return "dev-" + HexFormat.of().formatHex(random);
  }

  /** @return an issuer of tokens this server accepts */
  public TokenIssuer tokenIssuer() {
    return issuer;
  }

  /** @return a token for any topic, valid 24 h, when the secret was generated for development; else empty */
  public Optional<String> developmentToken() {
    return developmentToken;
  }

  /** @return the publish API key when it was generated for development; else empty (a configured key is secret) */
  public Optional<String> developmentPublishApiKey() {
    return apiKeyGenerated ? Optional.of(publishApiKey) : Optional.empty();
  }

  /** @return whether anything was generated for development */
  public boolean isDevelopment() {
    return secretGenerated || apiKeyGenerated;
  }

  byte[] tokenSecret() {
    return tokenSecret.clone();
  }

  String publishApiKey() {
    return publishApiKey;
  }

  /** A short-lived token with no topic rights, for the self-check's WebSocket. */
  String selfCheckToken() {
    return issuer.issue("self-check", List.of(), List.of(), Duration.ofMinutes(1));
  }

  @Override
  public String toString() {
    return "Credentials[tokenSecret=" + (secretGenerated ? "generated" : "configured") + ", publishApiKey="
        + (apiKeyGenerated ? "generated" : "configured") + "]";
  }
}
