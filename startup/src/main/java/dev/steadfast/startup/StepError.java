package dev.steadfast.startup;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Why a step did not come up (or did not stop), naming the root cause rather than a wrapper: wrappers such as
 * {@link ExecutionException} or {@link InvocationTargetException} are unwrapped, and the deepest cause of the chain is
 * what {@link #rootCauseType()} and {@link #rootCauseMessage()} name.
 *
 * <pre>{@code
 * report.rootCause().ifPresent(e -> log.error("startup failed: {}", e));  // "java.net.ConnectException: refused"
 * }</pre>
 *
 * @param type class name of the exception the step threw (after unwrapping)
 * @param message its message, empty when it had none
 * @param rootCauseType class name of the deepest cause
 * @param rootCauseMessage message of the deepest cause, empty when none
 * @param exception the exception itself, for logging with its stack (not part of the JSON)
 */
public record StepError(String type, String message, String rootCauseType, String rootCauseMessage,
    Throwable exception) {

  /** Checks nothing is null. */
  public StepError {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(rootCauseType, "rootCauseType");
    Objects.requireNonNull(rootCauseMessage, "rootCauseMessage");
    Objects.requireNonNull(exception, "exception");
  }

  /**
   * Describes an exception, unwrapping wrappers and finding its root cause.
   *
   * @param thrown the exception; not null
   * @return the description
   */
  public static StepError of(Throwable thrown) {
    Throwable t = unwrap(Objects.requireNonNull(thrown, "thrown"));
    Throwable root = rootOf(t);
    return new StepError(t.getClass().getName(), messageOf(t), root.getClass().getName(), messageOf(root), t);
  }

  /** @return the root cause as {@code "type: message"} */
  public String rootCause() {
    return rootCauseMessage.isEmpty() ? rootCauseType : rootCauseType + ": " + rootCauseMessage;
  }

  /** @return the root cause first, then the exception thrown when it differs */
  @Override
  public String toString() {
    String thrown = message.isEmpty() ? type : type + ": " + message;
    return exception == rootOf(exception) ? thrown : rootCause() + " (thrown as " + thrown + ")";
  }

  /** The deepest cause; bounded, because a cause chain can be a cycle longer than one. */
  private static Throwable rootOf(Throwable t) {
    Throwable root = t;
    for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 64; depth++) {
      root = root.getCause();
    }
    return root;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable current = t;
    for (int depth = 0; depth < 64 && current.getCause() != null; depth++) {
      boolean wrapper = current instanceof ExecutionException || current instanceof CompletionException
          || current instanceof InvocationTargetException || current instanceof UndeclaredThrowableException;
      if (!wrapper) {
        break;
      }
      current = current.getCause();
    }
    return current;
  }

  private static String messageOf(Throwable t) {
    String m = t.getMessage();
    return m == null ? "" : m;
  }
}
