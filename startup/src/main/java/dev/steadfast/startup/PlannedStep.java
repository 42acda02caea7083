package dev.steadfast.startup;

/**
 * A step as it runs in the current environment: policy applied, dependencies resolved to indexes, timeouts in nanos.
 *
 * @param index declaration order
 * @param step the declared step
 * @param phase index of the phase
 * @param criticality effective criticality
 * @param skipReason why the policy skips it, or null
 * @param dependencies indexes of dependencies that must be up
 * @param optionalDependencies indexes of dependencies that are waited for only
 * @param dependants indexes of steps that depend on this one (either way), ascending
 * @param timeoutNanos step timeout
 * @param readinessTimeoutNanos readiness timeout
 * @param stopTimeoutNanos stop timeout
 */
record PlannedStep(int index, StartupStep step, int phase, Criticality criticality, String skipReason,
    int[] dependencies, int[] optionalDependencies, int[] dependants, long timeoutNanos, long readinessTimeoutNanos,
    long stopTimeoutNanos) {

  String name() {
    return step.name();
  }

  boolean required() {
    return criticality == Criticality.REQUIRED;
  }
}
