package dev.steadfast.startup;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Classes a step left unusable for the life of their class loader (for application classes, of the JVM): a static
 * initializer that threw, or was interrupted into throwing, marks its class erroneous, and every later use throws
 * {@code NoClassDefFoundError: Could not initialize class X}; one that never returns blocks every later user. Read
 * from the step's exception, or from its stack when it was abandoned inside {@code <clinit>}, and worded here once.
 *
 * <pre>{@code
 * List<String> classes = PoisonedClasses.in(error);   // [com.acme.Cache]
 * warnings.add(PoisonedClasses.warning("cache", classes, "failed"));
 * }</pre>
 */
final class PoisonedClasses {
  private static final String COULD_NOT_INITIALIZE = "Could not initialize class ";
  /** Causes followed at most; a cause chain can be a cycle. */
  private static final int MAX_DEPTH = 64;

  private PoisonedClasses() {}

  /**
   * Classes whose static initializer failed, found in this exception and its causes: each
   * {@link ExceptionInInitializerError} names them by the {@code <clinit>} frames its cause passed through, and a
   * {@code NoClassDefFoundError} names a class poisoned earlier.
   */
  static List<String> in(Throwable thrown) {
    Set<String> classes = new LinkedHashSet<>();
    Throwable t = thrown;
    for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
      if (t instanceof ExceptionInInitializerError && t.getCause() != null) {
        classes.addAll(initializersCrossed(t.getCause()));
      } else if (t instanceof NoClassDefFoundError && t.getMessage() != null
          && t.getMessage().startsWith(COULD_NOT_INITIALIZE)) {
        classes.add(t.getMessage().substring(COULD_NOT_INITIALIZE.length()).trim());
      }
    }
    return List.copyOf(classes);
  }

  /**
   * The {@code <clinit>} frames the exception an initializer threw passed through, innermost first. An initializer it
   * propagated out of failed too (the JVM rethrows an {@code Error} from {@code <clinit>} as it is); one that caught
   * it is named as well, a rare false alarm preferred to a poisoned class not named.
   */
  private static List<String> initializersCrossed(Throwable cause) {
    List<String> classes = new ArrayList<>();
    for (StackTraceElement frame : cause.getStackTrace()) {
      if ("<clinit>".equals(frame.getMethodName())) {
        classes.add(frame.getClassName());
      }
    }
    return classes;
  }

  /**
   * The warning, loud and the same wherever it comes from.
   *
   * @param how what happened to the initializer, e.g. {@code "failed"} or {@code "was abandoned"}
   */
  static String warning(String step, List<String> classes, String how) {
    boolean one = classes.size() == 1;
    return "step '" + step + "': the static initializer of " + classes + " " + how + ": " + (one ? "that class"
        : "those classes") + " can no longer be initialized in this JVM (for the life of " + (one ? "its" : "their")
        + " class loader: every later use " + (how.startsWith("failed") ? "throws NoClassDefFoundError"
        : "blocks or throws NoClassDefFoundError") + "); restart the JVM";
  }
}
