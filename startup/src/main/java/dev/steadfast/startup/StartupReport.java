package dev.steadfast.startup;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of a startup: outcome, every step in declaration order (status, start offset, duration, thread,
 * attempts, error, diagnostics, rollback), every bypass the environment policy made, the root cause of a failure and
 * warnings. Immutable. {@link #toString()} is a readable table; {@link #toJson()} is the stable JSON form
 * documented in the module README (schema {@value #JSON_SCHEMA}); {@link #toHtml()} is the startup timeline as one
 * self-contained HTML file.
 *
 * <pre>{@code
 * StartupReport report = startup.report();
 * System.out.println(report);                   // table
 * Files.writeString(path, report.toJson());     // machines
 * Files.writeString(Path.of("startup.html"), report.toHtml());   // the timeline, opened by any browser
 * report.throwIfFailed();                       // StartupFailedException caused by the root cause
 * }</pre>
 */
public final class StartupReport {
  /** Identifies the JSON layout; changes only when a field is removed or changes meaning. */
  public static final String JSON_SCHEMA = "steadfast.startup.report/2";
  /**
   * Class-path resource of the timeline renderer {@link #toHtml()} inlines; a page drawing reports itself can serve
   * it: {@code SteadfastTimeline.draw(element, reportJson)}.
   */
  public static final String TIMELINE_SCRIPT = "/dev/steadfast/startup/timeline.js";
  /** Class-path resource of the timeline's styles, inlined by {@link #toHtml()}. */
  public static final String TIMELINE_STYLE = "/dev/steadfast/startup/timeline.css";

  private final StartupOutcome outcome;
  private final Environment environment;
  private final Instant startedAt;
  private final Duration duration;
  private final int parallelism;
  private final boolean sequential;
  private final List<StepReport> steps;
  private final List<Bypass> bypasses;
  private final String failedStep;
  private final StepError rootCause;
  private final List<String> warnings;
  private final Map<String, List<String>> dependencies;
  private final Map<String, List<String>> optionalDependencies;

  StartupReport(StartupOutcome outcome, Environment environment, Instant startedAt, Duration duration,
      int parallelism, boolean sequential, List<StepReport> steps, List<Bypass> bypasses, String failedStep,
      StepError rootCause, List<String> warnings, Map<String, List<String>> dependencies,
      Map<String, List<String>> optionalDependencies) {
    this.outcome = Objects.requireNonNull(outcome, "outcome");
    this.environment = environment;
    this.startedAt = startedAt;
    this.duration = duration;
    this.parallelism = parallelism;
    this.sequential = sequential;
    this.steps = List.copyOf(steps);
    this.bypasses = List.copyOf(bypasses);
    this.failedStep = failedStep;
    this.rootCause = rootCause;
    this.warnings = List.copyOf(warnings);
    this.dependencies = Map.copyOf(dependencies);
    this.optionalDependencies = Map.copyOf(optionalDependencies);
  }

  /** The same report with more warnings at the end (listener failures learnt after the run). */
  StartupReport withMoreWarnings(List<String> more) {
    List<String> all = new java.util.ArrayList<>(warnings);
    all.addAll(more);
    return new StartupReport(outcome, environment, startedAt, duration, parallelism, sequential, steps, bypasses,
        failedStep, rootCause, all, dependencies, optionalDependencies);
  }

  /** @return READY, DEGRADED or FAILED */
  public StartupOutcome outcome() {
    return outcome;
  }

  /** @return the environment the startup ran in */
  public Environment environment() {
    return environment;
  }

  /** @return when startup began */
  public Instant startedAt() {
    return startedAt;
  }

  /** @return how long startup took, rollback included */
  public Duration duration() {
    return duration;
  }

  /** @return every step, in declaration order */
  public List<StepReport> steps() {
    return steps;
  }

  /**
   * Finds one step's report.
   *
   * @param name the step name
   * @return its report
   * @throws NoSuchElementException naming the known steps when there is no such step
   */
  public StepReport step(String name) {
    for (StepReport s : steps) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new NoSuchElementException("no step '" + name + "' in this report; steps are "
        + steps.stream().map(StepReport::name).toList());
  }

  /** @return the environment policy's changes, in declaration order of the steps */
  public List<Bypass> bypasses() {
    return bypasses;
  }

  /** @return the required step whose failure failed startup; empty when it did not fail, or was cancelled */
  public Optional<String> failedStep() {
    return Optional.ofNullable(failedStep);
  }

  /** @return the root cause of the failure (not a wrapper); empty unless the outcome is FAILED */
  public Optional<StepError> rootCause() {
    return Optional.ofNullable(rootCause);
  }

  /** @return warnings: abandoned threads, poisoned classes, late steps, listener failures */
  public List<String> warnings() {
    return warnings;
  }

  /**
   * Throws when the outcome is FAILED.
   *
   * @throws StartupFailedException with {@link #summary()} as message and the root cause as cause
   */
  public void throwIfFailed() {
    if (outcome == StartupOutcome.FAILED) {
      throw new StartupFailedException(summary(), rootCause == null ? null : rootCause.exception(), this);
    }
  }

  /**
   * One line: outcome, duration, counts by status, and the root cause of a failure.
   *
   * @return e.g. {@code "startup FAILED in 1.204s (4 steps: 1 UP, 1 FAILED, 2 NOT_STARTED); root cause: step 'db':
   *     java.net.ConnectException: refused"}
   */
  public String summary() {
    Map<StepStatus, Integer> counts = new EnumMap<>(StepStatus.class);
    for (StepReport s : steps) {
      counts.merge(s.status(), 1, Integer::sum);
    }
    StringBuilder out = new StringBuilder("startup ").append(outcome).append(" in ")
        .append(Durations.format(duration)).append(" (").append(steps.size()).append(" steps: ");
    String sep = "";
    for (Map.Entry<StepStatus, Integer> e : counts.entrySet()) {
      out.append(sep).append(e.getValue()).append(' ').append(e.getKey());
      sep = ", ";
    }
    out.append(')');
    if (rootCause != null) {
      out.append("; root cause: ").append(failedStep == null ? "" : "step '" + failedStep + "': ")
          .append(rootCause.rootCause());
    }
    return out.toString();
  }

  /**
   * The stable JSON form: top-level {@code schema, outcome, environment, startedAt, durationMillis, mode,
   * parallelism, failedStep, rootCause, steps[], bypasses[], warnings[]}, each step with its {@code dependsOn} and
   * {@code dependsOnOptionally}; see the module README for every field.
   *
   * @return pretty-printed JSON
   */
  public String toJson() {
    JsonWriter json = new JsonWriter();
    json.beginObject()
        .field("schema", JSON_SCHEMA)
        .field("outcome", outcome.name())
        .field("environment", environment.name())
        .field("startedAt", startedAt.toString())
        .name("durationMillis").millis(Durations.toNanosSaturated(duration))
        .field("mode", sequential ? "sequential" : "parallel")
        .field("parallelism", parallelism)
        .field("failedStep", failedStep)
        .name("rootCause");
    StepReport.writeError(json, rootCause);
    json.name("steps").beginArray();
    for (StepReport s : steps) {
      s.writeJson(json, dependencies.getOrDefault(s.name(), List.of()),
          optionalDependencies.getOrDefault(s.name(), List.of()));
    }
    json.endArray().name("bypasses").beginArray();
    for (Bypass b : bypasses) {
      json.beginObject().field("step", b.step()).field("environment", b.environment().name())
          .field("kind", b.kind().name()).field("detail", b.detail()).field("reason", b.reason()).endObject();
    }
    json.endArray().stringArray("warnings", warnings).endObject();
    return json.toString();
  }

  /**
   * The startup timeline as one self-contained HTML file (no network, no other file): a Gantt chart with one bar per
   * step from its real start to its end, coloured by status, dependencies drawn as arrows (dashed when optional),
   * the critical path outlined, bypasses and degradations labelled — the same renderer ({@link #TIMELINE_SCRIPT})
   * the reference service's page uses — then the text table ({@link #toString()}) for reading without JavaScript.
   * The report's JSON is embedded as data with every {@code <} escaped, so no step name or error message can end
   * the script or inject markup.
   *
   * <pre>{@code
   * Files.writeString(Path.of("target/startup.html"), startup.report().toHtml());
   * }</pre>
   *
   * @return the HTML document
   */
  public String toHtml() {
    String title = escapeHtml(summary());
    return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + title
        + "</title>\n<style>\nbody { margin: 1em 2em; font: 14px/1.4 system-ui, sans-serif; color: #1d2330; }\n"
        + resource(TIMELINE_STYLE) + "</style>\n</head>\n<body>\n<h1>" + title + "</h1>\n"
        + "<div id=\"timeline\"><noscript>The timeline needs JavaScript; the report as text is below.</noscript></div>\n"
        + "<details><summary>the report as text</summary><pre>" + escapeHtml(toString()) + "</pre></details>\n"
        + "<script type=\"application/json\" id=\"startup-report\">" + toJson().replace("<", "\\u003c")
        + "</script>\n<script>\n" + resource(TIMELINE_SCRIPT)
        + "\nSteadfastTimeline.draw(document.getElementById('timeline'),"
        + " JSON.parse(document.getElementById('startup-report').textContent));\n</script>\n</body>\n</html>\n";
  }

  private static String escapeHtml(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static String resource(String name) {
    try (InputStream in = StartupReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the class path (it ships in steadfast-startup's jar)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + name, e);
    }
  }

  /**
   * The readable form: summary, one row per step, then bypasses, warnings, and for each overrunning step its stack,
   * deadlocks and class-initialization waits (the full thread dump is in {@link HangDiagnosis#threadDump()} and the
   * JSON).
   *
   * @return the table
   */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(1024).append(summary()).append('\n');
    out.append("  environment ").append(environment).append(", ")
        .append(sequential ? "sequential" : "parallel, up to " + parallelism + " steps at once")
        .append(", started at ").append(startedAt).append('\n');
    TextTable table = new TextTable("PHASE", "STEP", "CRITICALITY", "STATUS", "START", "DURATION", "ATTEMPTS",
        "THREAD", "DETAIL");
    for (StepReport s : steps) {
      String detail = s.detail();
      if (s.error().isPresent()) {
        detail = s.error().get() + (detail.isEmpty() ? "" : "; " + detail);
      }
      if (s.rollback().isPresent()) {
        StopReport r = s.rollback().get();
        detail = detail + (detail.isEmpty() ? "" : "; ") + "rollback " + r.status()
            + r.error().map(e -> ": " + e).orElse("");
      }
      table.row(s.phase(), s.name(), s.criticality().name().toLowerCase(Locale.ROOT), s.status().name(),
          s.startOffset().map(d -> "+" + Durations.format(d)).orElse("-"),
          s.startOffset().isPresent() ? Durations.format(s.duration()) : "-",
          s.attempts() == 0 ? "-" : Integer.toString(s.attempts()), s.thread().isEmpty() ? "-" : s.thread(),
          detail);
    }
    table.appendTo(out, "  ");
    if (!bypasses.isEmpty()) {
      out.append("  bypasses (environment policy):\n");
      for (Bypass b : bypasses) {
        out.append("    - ").append(b).append('\n');
      }
    }
    if (!warnings.isEmpty()) {
      out.append("  warnings:\n");
      for (String w : warnings) {
        out.append("    - ").append(w).append('\n');
      }
    }
    Map<String, String> deadlockShownWith = new HashMap<>();
    for (StepReport s : steps) {
      if (s.diagnosis().isPresent()) {
        HangDiagnosis d = s.diagnosis().get();
        out.append("  step '").append(s.name()).append("' overran; its thread was:\n");
        indent(out, d.stack(), "    ");
        if (!d.blocker().isEmpty()) {
          out.append("    ").append(d.blocker()).append('\n');
        }
        for (String deadlock : d.deadlocks()) {
          // Every step of a deadlock carries it; it is printed once, with the first of them.
          String first = deadlockShownWith.putIfAbsent(deadlock, s.name());
          if (first == null) {
            indent(out, deadlock, "    ");
          } else {
            out.append("    in the deadlock shown under step '").append(first).append("'\n");
          }
        }
        for (String wait : d.classInitializationWaits()) {
          out.append("    class initialization: ").append(wait).append('\n');
        }
        for (String c : d.initializingClasses()) {
          out.append("    running the static initializer of ").append(c).append('\n');
        }
        for (String note : d.notes()) {
          out.append("    note: ").append(note).append('\n');
        }
      }
    }
    return out.toString();
  }

  private static void indent(StringBuilder out, String text, String indent) {
    for (String line : text.split("\n", -1)) {
      if (!line.isEmpty()) {
        out.append(indent).append(line).append('\n');
      }
    }
  }
}
