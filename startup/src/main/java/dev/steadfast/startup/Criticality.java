package dev.steadfast.startup;

/**
 * Whether a step's failure fails the whole startup or only degrades the service.
 *
 * <pre>{@code
 * StartupStep.builder("cache").criticality(Criticality.OPTIONAL).start(ctx -> cache.warm()).build();
 * }</pre>
 */
public enum Criticality {
  /** The service cannot run without this step: its failure, timeout or abandonment fails startup. */
  REQUIRED,
  /** The service can run without this step: its failure leaves the service {@link StartupOutcome#DEGRADED}. */
  OPTIONAL
}
