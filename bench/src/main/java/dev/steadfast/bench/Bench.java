package dev.steadfast.bench;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs one benchmark by name, so every benchmark has the same one-line command.
 *
 * <p>A benchmark named {@code startup} is the class {@code dev.steadfast.bench.StartupBench} with a
 * {@code public static void main(String[])}; each prints a last line {@code BENCH <name> key=value ...}.
 *
 * <pre>{@code
 * mvn -q -Pbench verify -Dbench=startup
 * mvn -q -Pbench verify -Dbench=all      # every benchmark, one after the other
 * }</pre>
 */
public final class Bench {
  /** Every benchmark, in the order {@code all} runs them. */
  static final List<String> NAMES = List.of("startup", "threads", "leak", "websocket", "cluster", "doctor",
      "verdicts");

  private Bench() {}

  /**
   * Entry point.
   *
   * @param args the benchmark name ({@code all} for every one), then that benchmark's own arguments
   * @throws Exception whatever the benchmark throws
   */
  public static void main(String[] args) throws Exception {
    String name = args.length == 0 ? "all" : args[0];
    String[] rest = args.length == 0 ? new String[0] : Arrays.copyOfRange(args, 1, args.length);
    List<String> names = "all".equals(name) ? NAMES : List.of(name);
    for (String n : names) {
      String className = Bench.class.getPackageName() + "."
          + n.substring(0, 1).toUpperCase(Locale.ROOT) + n.substring(1) + "Bench";
      Class<?> type;
      try {
        type = Class.forName(className);
      } catch (ClassNotFoundException e) {
        System.err.println("No benchmark named '" + n + "' (looked for " + className + "). Known: " + NAMES);
        System.exit(2);
        return;
      }
      Method main = type.getMethod("main", String[].class);
      main.invoke(null, (Object) rest);
    }
  }
}
