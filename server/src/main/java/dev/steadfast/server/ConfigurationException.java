package dev.steadfast.server;

import java.util.List;

/**
 * The configuration is wrong: carries every problem found, each naming the flag and environment variable, the bad
 * value (never a secret) and how to fix it, so an operator fixes all of them in one go.
 *
 * <pre>{@code
 * try {
 *   ServerConfig config = ServerCommandLine.parse(args, System.getenv()).config();
 * } catch (ConfigurationException e) {
 *   System.err.println(e.getMessage());   // "3 configuration problems: ..."
 *   System.exit(2);
 * }
 * }</pre>
 */
final class ConfigurationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /**
   * Creates the exception.
   *
   * @param problems every problem found, at least one
   */
  public ConfigurationException(List<String> problems) {
    super(describe(problems, "nothing was started", "Run with --help for every option and its environment variable."));
    this.problems = List.copyOf(problems);
  }

  /** @return every problem, in the order found */
  public List<String> problems() {
    return problems;
  }

  /**
   * The one layout of a list of problems: a count, what was (not) done, one line per problem, what to read next.
   */
  static String describe(List<String> problems, String consequence, String hint) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems must not be empty");
    }
    StringBuilder text = new StringBuilder();
    text.append(problems.size() == 1 ? "1 configuration problem" : problems.size() + " configuration problems")
        .append(" (").append(consequence).append("):");
    for (String problem : problems) {
      text.append("\n  - ").append(problem);
    }
    text.append('\n').append(hint);
    return text.toString();
  }
}
