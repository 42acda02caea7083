package dev.steadfast.startup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The result of {@link Startup#close()}: how each started step was stopped, in the order they were stopped (reverse
 * dependency order). Immutable; {@link #toString()} is a readable table and {@link #toJson()} the stable JSON form
 * (schema {@value #JSON_SCHEMA}).
 *
 * <pre>{@code
 * ShutdownReport shutdown = startup.stop();
 * if (!shutdown.isClean()) log.warn("{}", shutdown);
 * }</pre>
 */
public final class ShutdownReport {
  /** Identifies the JSON layout. */
  public static final String JSON_SCHEMA = "steadfast.startup.shutdown/1";

  private final Instant startedAt;
  private final Duration duration;
  private final List<StopReport> stops;
  private final List<String> warnings;

  ShutdownReport(Instant startedAt, Duration duration, List<StopReport> stops, List<String> warnings) {
    this.startedAt = startedAt;
    this.duration = duration;
    this.stops = List.copyOf(stops);
    this.warnings = List.copyOf(warnings);
  }

  /** @return when stopping began */
  public Instant startedAt() {
    return startedAt;
  }

  /** @return how long stopping took */
  public Duration duration() {
    return duration;
  }

  /** @return one entry per step stopped, in stop order */
  public List<StopReport> stops() {
    return stops;
  }

  /** @return warnings, e.g. why nothing was stopped */
  public List<String> warnings() {
    return warnings;
  }

  /** @return whether every stop action returned (or there was none) */
  public boolean isClean() {
    return stops.stream().allMatch(s -> s.status() == StopReport.Status.STOPPED
        || s.status() == StopReport.Status.NO_STOP_ACTION);
  }

  /**
   * The stable JSON form: {@code schema, startedAt, durationMillis, clean, stops[{step, status, durationMillis, thread,
   * error}], warnings[]}.
   *
   * @return pretty-printed JSON
   */
  public String toJson() {
    JsonWriter json = new JsonWriter();
    json.beginObject().field("schema", JSON_SCHEMA).field("startedAt", startedAt.toString())
        .name("durationMillis").millis(Durations.toNanosSaturated(duration)).name("clean").value(isClean())
        .name("stops").beginArray();
    for (StopReport s : stops) {
      s.writeJson(json);
    }
    return json.endArray().stringArray("warnings", warnings).endObject().toString();
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("shutdown ").append(isClean() ? "clean" : "NOT clean").append(" in ")
        .append(Durations.format(duration)).append(" (").append(stops.size()).append(" steps)\n");
    TextTable table = new TextTable("STEP", "STATUS", "DURATION", "THREAD", "ERROR");
    for (StopReport s : stops) {
      table.row(s.step(), s.status().name(), Durations.format(s.duration()), s.thread().isEmpty() ? "-" : s.thread(),
          s.error().map(StepError::toString).orElse(""));
    }
    table.appendTo(out, "  ");
    for (String w : warnings) {
      out.append("  warning: ").append(w).append('\n');
    }
    return out.toString();
  }
}
