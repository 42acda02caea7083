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
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /** @return every problem, in the order found */
  public List<String> problems() {
    return problems;
  }

  private static String message(List<String> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems must not be empty");
    }
    StringBuilder text = new StringBuilder();
    text.append(problems.size() == 1 ? "1 configuration problem" : problems.size() + " configuration problems")
        .append(" (nothing was started):");
    for (String problem : problems) {
      text.append("\n  - ").append(problem);
    }
    text.append("\nRun with --help for every option and its environment variable.");
    return text.toString();
  }
}
