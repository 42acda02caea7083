package dev.steadfast.server;

import dev.steadfast.diagnostics.Durations;
import dev.steadfast.websocket.TokenIssuer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code token} subcommand: issues a client token the service accepts, signed with the secret in a file, and
 * prints it (only the token on standard output, so {@code TOKEN=$(steadfast-server token ...)} works; what it
 * grants and when it expires on standard error). Refuses unsafe input with every problem at once: a secret shorter
 * than {@value TokenIssuer#MIN_SECRET_BYTES} bytes, a time to live that is not positive, a token without claims.
 * The secret is never printed or logged (this command starts no logging at all).
 *
 * <pre>{@code
 * steadfast-server token --secret-file /run/secrets/jwt --sub 42 --subscribe 'room:*' --publish 'room:42' --ttl 1h
 * }</pre>
 */
final class TokenCommand {
  /** The subcommand's name, the first argument. */
  static final String NAME = "token";
  /** Time to live when {@code --ttl} is not given. */
  static final Duration DEFAULT_TTL = Duration.ofHours(1);

  private TokenCommand() {}

  @Command(name = "steadfast-server token", sortOptions = false,
      description = "Issue a client token (HS256 JWT) that a server with the same secret accepts.%n"
          + "Prints only the token on standard output; what it grants goes to standard error.")
  static final class Flags {
    @Option(names = "--help", usageHelp = true, description = "Print this help and exit.")
    boolean help;

    @Option(names = "--secret-file", paramLabel = "FILE",
        description = "File holding the server's token secret, the same as its --token-secret-file"
            + " (STEADFAST_TOKEN_SECRET_FILE); surrounding whitespace and the final newline are not part of it.")
    String secretFile;

    @Option(names = "--sub", paramLabel = "SUBJECT", description = "Who the token is for (the sub claim).")
    String subject;

    @Option(names = "--subscribe", paramLabel = "PATTERN", split = ",",
        description = "Topic pattern the holder may subscribe to; repeat or comma-separate; * matches any run of"
            + " characters (room:*).")
    List<String> subscribe = new ArrayList<>();

    @Option(names = "--publish", paramLabel = "PATTERN", split = ",",
        description = "Topic pattern the holder may publish to; repeat or comma-separate.")
    List<String> publish = new ArrayList<>();

    @Option(names = "--ttl", paramLabel = "DURATION",
        description = "How long the token is valid, e.g. 15m, 1h, 7d (default 1h).")
    String ttl;
  }

  /**
   * Runs the subcommand.
   *
   * @param args the arguments after {@code token}
   * @param environment the environment ({@code STEADFAST_TOKEN_SECRET_FILE})
   * @param out receives the token
   * @param err receives the description or the problems
   * @return 0 when a token was printed or help asked for, {@link Main#EXIT_CONFIGURATION} on bad input
   */
  static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
    Flags flags = new Flags();
    CommandLine commandLine = new CommandLine(flags);
    List<String> problems = new ArrayList<>();
    try {
      commandLine.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      problems.add(e.getMessage());
    }
    if (flags.help) {
      out.println(commandLine.getUsageMessage(CommandLine.Help.Ansi.OFF));
      return 0;
    }
    String file = flags.secretFile != null ? flags.secretFile : environment.get("STEADFAST_TOKEN_SECRET_FILE");
    byte[] secret = null;
    if (file == null || file.isBlank()) {
      problems.add("--secret-file is required (or STEADFAST_TOKEN_SECRET_FILE): the file holding the server's"
          + " token secret");
    } else {
      try {
        secret = SecretFile.read(Path.of(file)).getBytes(StandardCharsets.UTF_8);
        if (secret.length < TokenIssuer.MIN_SECRET_BYTES) {
          problems.add("--secret-file: the secret in " + file + " has " + secret.length + " bytes; HS256 needs at"
              + " least " + TokenIssuer.MIN_SECRET_BYTES + " (generate one: openssl rand -base64 48 > " + file + ")");
          secret = null;
        }
      } catch (IllegalArgumentException e) {
        problems.add("--secret-file: " + e.getMessage());
      }
    }
    if (flags.subject == null || flags.subject.isBlank()) {
      problems.add("--sub is required: who the token is for, e.g. --sub 42");
    }
    List<String> subscribe = patterns(flags.subscribe);
    List<String> publish = patterns(flags.publish);
    if (subscribe.isEmpty() && publish.isEmpty()) {
      problems.add("no claims: give --subscribe and/or --publish topic patterns (a token granting nothing can"
          + " only connect)");
    }
    Duration ttl = DEFAULT_TTL;
    if (flags.ttl != null) {
      try {
        ttl = Durations.parsePositive(flags.ttl);
      } catch (IllegalArgumentException e) {
        problems.add("--ttl: " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      err.println(ConfigurationException.describe(problems, "no token issued",
          "Run steadfast-server token --help for every option."));
      return Main.EXIT_CONFIGURATION;
    }
    Instant expiresAt = Instant.now().plus(ttl);
    String token = TokenIssuer.hs256(secret).issue(flags.subject.trim(), subscribe, publish, expiresAt);
    out.println(token);
    err.println("token for sub " + flags.subject.trim() + ": subscribe " + subscribe + ", publish " + publish
        + ", expires " + expiresAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (in "
        + Durations.format(ttl) + ")");
    return 0;
  }

  private static List<String> patterns(List<String> given) {
    return given.stream().map(String::trim).filter(p -> !p.isEmpty()).distinct().toList();
  }
}
