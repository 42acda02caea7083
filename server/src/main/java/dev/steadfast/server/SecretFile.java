package dev.steadfast.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a token secret from a file, the one rule for the server ({@code --token-secret-file}) and the
 * {@code token} subcommand ({@code --secret-file}): the file's UTF-8 text with leading and trailing whitespace
 * removed — so the newline an editor or {@code echo} adds is not part of the key — must be at least
 * {@value dev.steadfast.websocket.TokenIssuer#MIN_SECRET_BYTES} bytes. Whitespace inside the secret is kept.
 *
 * <pre>{@code
 * // openssl rand -base64 48 > /run/secrets/jwt   (65 bytes with the newline, 64 used)
 * String secret = SecretFile.read(Path.of("/run/secrets/jwt"));
 * }</pre>
 */
final class SecretFile {
  private SecretFile() {}

  /**
   * Reads and trims the secret.
   *
   * @param file the file
   * @return the secret, never empty
   * @throws IllegalArgumentException naming the file (never its content) when unreadable or empty
   */
  static String read(Path file) {
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
    }
    if (content.isEmpty()) {
      throw new IllegalArgumentException("file " + file + " is empty");
    }
    return content;
  }
}
