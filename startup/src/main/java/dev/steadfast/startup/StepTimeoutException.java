package dev.steadfast.startup;

/**
 * The error of a step that overran its effective deadline, naming which of the four budgets bound it.
 *
 * <pre>{@code
 * // "step 'db' did not finish within its step timeout PT15S"
 * // "step 'db' did not finish within what was left of the total startup budget PT30S (PT2.1S)"
 * }</pre>
 */
public final class StepTimeoutException extends Exception {
  private static final long serialVersionUID = 1L;

  StepTimeoutException(String message) {
    this(message, null);
  }

  StepTimeoutException(String message, Throwable cause) {
    // No stack: it is created by the coordinator, whose stack says nothing about the step. Suppression stays on:
    // what the step threw when it was stopped is attached to it.
    super(message, cause, true, false);
  }
}
