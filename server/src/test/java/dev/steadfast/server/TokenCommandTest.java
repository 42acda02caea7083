package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCommandTest {
  private static final String SECRET = "a-secret-long-enough-for-hs256-0123456789";
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  @TempDir Path dir;

  private int run(String... args) {
    return TokenCommand.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private Path secretFile(String content) throws Exception {
    Path file = dir.resolve("secret");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void printsOnlyTheToken_withTheClaimsAsked_andTheSecretFilesNewlineIsNotPartOfTheKey() throws Exception {
    Path file = secretFile(SECRET + "\n");

    int exit = run("--secret-file", file.toString(), "--sub", "42", "--subscribe", "room:*", "--publish",
        "room:42", "--ttl", "1h");

    assertThat(exit).isZero();
    String token = out.toString(StandardCharsets.UTF_8).strip();
    JsonNode claims = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    assertThat(claims.get("sub").asText()).isEqualTo("42");
    assertThat(claims.get("subscribe").toString()).isEqualTo("[\"room:*\"]");
    assertThat(claims.get("publish").toString()).isEqualTo("[\"room:42\"]");
    assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(3600);
    // Signed with the trimmed secret: a server reading the same file accepts it.
    assertThat(dev.steadfast.websocket.TokenIssuer.hs256(SECRET.getBytes(StandardCharsets.UTF_8))
        .issue("42", java.util.List.of("room:*"), java.util.List.of("room:42"),
            java.time.Instant.ofEpochSecond(claims.get("exp").asLong())).split("\\.")[0])
        .isEqualTo(token.split("\\.")[0]);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("token for sub 42").doesNotContain(SECRET);
  }

  @Test
  void unsafeInput_isRefusedAllAtOnce_withoutPrintingTheSecret() throws Exception {
    Path file = secretFile("short-secret\n");

    int exit = run("--secret-file", file.toString(), "--sub", "42", "--ttl", "0s");

    assertThat(exit).isEqualTo(Main.EXIT_CONFIGURATION);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("3 configuration problems (no token issued):")
        .contains("--secret-file: the secret in " + file + " has 12 bytes; HS256 needs at least 32",
            "no claims: give --subscribe and/or --publish", "--ttl: must be positive: '0s'",
            "Run steadfast-server token --help")
        .doesNotContain("short-secret");
  }

  @Test
  void negativeTtl_andMissingSecretFileAndSubject_areNamed() {
    int exit = run("--subscribe", "room:*", "--ttl", "-1h");

    assertThat(exit).isEqualTo(Main.EXIT_CONFIGURATION);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--secret-file is required", "--sub is required",
        "--ttl: not a duration: '-1h'");
  }

  @Test
  void viaMain_theFirstArgumentSelectsTheSubcommand() throws Exception {
    Path file = secretFile(SECRET);

    int exit = Main.run(new String[] {"token", "--secret-file", file.toString(), "--sub", "7", "--subscribe", "a"},
        Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(exit).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8).strip()).matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
  }
}
