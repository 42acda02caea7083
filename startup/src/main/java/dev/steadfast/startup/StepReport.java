package dev.steadfast.startup;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one step during startup. Immutable.
 *
 * <pre>{@code
 * StepReport db = startup.report().step("db");
 * log.info("db {} after {} attempts in {}", db.status(), db.attempts(), db.duration());
 * }</pre>
 *
 * @param name the step
 * @param phase its phase
 * @param criticality its criticality in this environment
 * @param status what happened
 * @param startOffset when its start action really began on its thread, from the beginning of startup; empty when it
 *     never began running (skipped, not started, or timed out or cancelled while waiting for a thread)
 * @param duration how long its start action (attempts and readiness) really ran on its thread; for a step abandoned
 *     while still running, until it was abandoned (zero when it never began running)
 * @param thread the thread that ran it, empty when it never started
 * @param attempts attempts made (0 when it never started)
 * @param error why it did not come up, if it did not
 * @param detail a sentence on why it was skipped, cancelled, abandoned or bypassed; empty otherwise
 * @param diagnosis what it was doing when it overran its deadline, if it did
 * @param rollback how it was stopped on rollback after a failed startup (or because it came up after its deadline)
 * @param scheduledOffset when it was begun and handed to a thread (its deadline counts from here), from the
 *     beginning of startup; empty when it was never begun
 */
public record StepReport(String name, String phase, Criticality criticality, StepStatus status,
    Optional<Duration> startOffset, Duration duration, String thread, int attempts, Optional<StepError> error,
    String detail, Optional<HangDiagnosis> diagnosis, Optional<StopReport> rollback,
    Optional<Duration> scheduledOffset) {

  /** Checks nothing is null. */
  public StepReport {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(criticality, "criticality");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(startOffset, "startOffset");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(thread, "thread");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(diagnosis, "diagnosis");
    Objects.requireNonNull(rollback, "rollback");
    Objects.requireNonNull(scheduledOffset, "scheduledOffset");
  }

  void writeJson(JsonWriter json, List<String> dependsOn, List<String> dependsOnOptionally) {
    json.beginObject()
        .field("name", name)
        .field("phase", phase)
        .field("criticality", criticality.name())
        .field("status", status.name())
        .stringArray("dependsOn", dependsOn)
        .stringArray("dependsOnOptionally", dependsOnOptionally)
        .name("startOffsetMillis").millis(startOffset.map(Durations::toNanosSaturated).orElse(-1L))
        .name("durationMillis").millis(Durations.toNanosSaturated(duration))
        .name("scheduledOffsetMillis").millis(scheduledOffset.map(Durations::toNanosSaturated).orElse(-1L))
        .field("thread", thread.isEmpty() ? null : thread)
        .field("attempts", attempts)
        .name("error");
    writeError(json, error.orElse(null));
    json.field("detail", detail.isEmpty() ? null : detail).name("diagnosis");
    if (diagnosis.isPresent()) {
      HangDiagnosis d = diagnosis.get();
      json.beginObject()
          .field("thread", d.thread())
          .field("stack", d.stack())
          .field("blocker", d.blocker().isEmpty() ? null : d.blocker())
          .stringArray("deadlocks", d.deadlocks())
          .stringArray("classInitializationWaits", d.classInitializationWaits())
          .stringArray("initializingClasses", d.initializingClasses())
          .stringArray("notes", d.notes())
          .field("threadDump", d.threadDump())
          .endObject();
    } else {
      json.nullValue();
    }
    json.name("rollback");
    if (rollback.isPresent()) {
      rollback.get().writeJson(json);
    } else {
      json.nullValue();
    }
    json.endObject();
  }

  static void writeError(JsonWriter json, StepError e) {
    if (e == null) {
      json.nullValue();
      return;
    }
    json.beginObject()
        .field("type", e.type())
        .field("message", e.message())
        .field("rootCauseType", e.rootCauseType())
        .field("rootCauseMessage", e.rootCauseMessage())
        .endObject();
  }
}
