package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoStartupThreadLeft.class)
class StartupReportTest {
  /**
   * Jackson's default buffer recycler lives in a ThreadLocal of the calling thread (here the test thread), which the
   * suite's {@code @LeakFree} ThreadLocal check rightly flags; a shared pool keeps the parser's buffers off the thread.
   */
  private static final ObjectMapper JSON =
      new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build());

  private static StartupPlan degradedPlan(StartupListener listener) {
    return StartupPlan.builder().environment(Environment.STAGING).listener(listener)
        .step("db", s -> s.start(ctx -> { }))
        .step("cache", s -> s.optional().start(ctx -> {
          throw new ConnectException("cache \"primary\" refused");
        }))
        .step("http", s -> s.dependsOn("db").dependsOnOptionally("cache").start(ctx -> { }))
        .build();
  }

  @Test
  void json_hasTheDocumentedShape() throws Exception {
    StartupReport report = degradedPlan(new StartupListener() { }).start().report();

    JsonNode json = JSON.readTree(report.toJson());

    assertThat(json.get("schema").asText()).isEqualTo("steadfast.startup.report/2");
    assertThat(json.get("outcome").asText()).isEqualTo("DEGRADED");
    assertThat(json.get("environment").asText()).isEqualTo("STAGING");
    assertThat(json.get("mode").asText()).isEqualTo("parallel");
    assertThat(json.get("failedStep").isNull()).isTrue();
    assertThat(json.get("durationMillis").isNumber()).isTrue();
    JsonNode cache = json.get("steps").get(1);
    assertThat(cache.get("name").asText()).isEqualTo("cache");
    assertThat(cache.get("status").asText()).isEqualTo("FAILED");
    assertThat(cache.get("criticality").asText()).isEqualTo("OPTIONAL");
    assertThat(cache.get("attempts").asInt()).isEqualTo(1);
    assertThat(cache.get("startOffsetMillis").isNumber()).isTrue();
    assertThat(cache.get("error").get("rootCauseType").asText()).isEqualTo("java.net.ConnectException");
    assertThat(cache.get("error").get("rootCauseMessage").asText()).isEqualTo("cache \"primary\" refused");
    assertThat(cache.get("diagnosis").isNull()).isTrue();
    assertThat(json.get("steps")).extracting(n -> n.get("name").asText()).containsExactly("db", "cache", "http");
    assertThat(json.get("bypasses").isArray()).isTrue();
    assertThat(json.get("warnings").isArray()).isTrue();
  }

  @Test
  void json_givesEachStepItsDependencies() throws Exception {
    JsonNode steps = JSON.readTree(degradedPlan(new StartupListener() { }).start().report().toJson()).get("steps");

    assertThat(steps.get(2).get("dependsOn").toString()).isEqualTo("[\"db\"]");
    assertThat(steps.get(2).get("dependsOnOptionally").toString()).isEqualTo("[\"cache\"]");
    assertThat(steps.get(0).get("dependsOn").toString()).isEqualTo("[]");
  }

  @Test
  void html_isOneSelfContainedFile_embeddingTheReportAndTheTimelineRenderer() throws Exception {
    StartupReport report = degradedPlan(new StartupListener() { }).start().report();

    String html = report.toHtml();

    assertThat(html).startsWith("<!doctype html>").endsWith("</html>\n")
        .contains("const SteadfastTimeline", "SteadfastTimeline.draw(", ".steadfast-timeline")
        .as("loads nothing: no other file, no network").doesNotContain("<script src", "<link", "@import")
        .doesNotContainPattern("url\\((?!#)");
    String embedded = html.substring(html.indexOf("id=\"startup-report\">") + "id=\"startup-report\">".length(),
        html.indexOf("</script>"));
    assertThat(JSON.readTree(embedded)).isEqualTo(JSON.readTree(report.toJson()));
    assertThat(html).contains("<pre>" + report.toString().replace("\"", "&quot;"));
  }

  @Test
  void html_markupInAnErrorMessage_staysText() throws Exception {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.optional().start(ctx -> {
          throw new IllegalStateException("</script><script>alert(1)</script> & <b>bold</b>");
        }))
        .build();
    StartupReport report = plan.start().report();

    String html = report.toHtml();

    assertThat(html).doesNotContain("<script>alert(1)", "<b>bold</b>")
        .contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;");
    // The embedded data still reads back as the report, the message intact.
    String embedded = html.substring(html.indexOf("id=\"startup-report\">") + "id=\"startup-report\">".length(),
        html.indexOf("</script>"));
    assertThat(JSON.readTree(embedded).get("steps").get(0).get("error").get("message").asText())
        .contains("</script><script>alert(1)</script> & <b>bold</b>");
  }

  @Test
  void json_ofFailedStartup_namesRootCauseAndRollback() throws Exception {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("config", s -> s.start(ctx -> { }).stop(() -> { }))
        .step("db", s -> s.dependsOn("config").start(ctx -> {
          throw new IllegalStateException("no database");
        }))
        .build();

    JsonNode json = JSON.readTree(plan.start().report().toJson());

    assertThat(json.get("failedStep").asText()).isEqualTo("db");
    assertThat(json.get("rootCause").get("rootCauseMessage").asText()).isEqualTo("no database");
    assertThat(json.get("steps").get(0).get("rollback").get("status").asText()).isEqualTo("STOPPED");
  }

  @Test
  void shutdownJson_hasTheDocumentedShape() throws Exception {
    Startup startup = degradedPlan(new StartupListener() { }).start();

    JsonNode json = JSON.readTree(startup.stop().toJson());

    assertThat(json.get("schema").asText()).isEqualTo("steadfast.startup.shutdown/1");
    assertThat(json.get("clean").asBoolean()).isTrue();
    assertThat(json.get("stops")).extracting(n -> n.get("step").asText()).containsExactly("http", "db");
  }

  @Test
  void text_hasOneRowPerStepWithStatusAndError() {
    StartupReport report = degradedPlan(new StartupListener() { }).start().report();

    String text = report.toString();

    assertThat(text.lines().findFirst().orElseThrow()).startsWith("startup DEGRADED in ");
    assertThat(text).containsPattern("main\\s+cache\\s+optional\\s+FAILED\\s+\\+\\S+\\s+\\S+\\s+1\\s+"
        + "steadfast-startup-\\d+:cache\\s+java.net.ConnectException: cache \"primary\" refused");
    assertThat(text).containsPattern("main\\s+http\\s+required\\s+UP\\s");
  }

  @Test
  void listener_receivesEventsInDecisionOrder() {
    List<String> events = new CopyOnWriteArrayList<>();
    degradedPlan(new StartupListener() {
      @Override
      public void onStepEvent(StepEvent e) {
        events.add(e.step() + ":" + e.kind());
      }
    }).start();

    assertThat(events).containsSubsequence("db:STARTING", "db:UP", "http:STARTING", "http:UP");
    assertThat(events).containsSubsequence("cache:STARTING", "cache:FAILED", "http:STARTING");
  }

  @Test
  void listenerThrowing_isReportedAndStartupContinues() {
    StartupListener broken = new StartupListener() {
      @Override
      public void onStepEvent(StepEvent e) {
        throw new IllegalStateException("metrics registry closed");
      }

      @Override
      public String toString() {
        return "BrokenMetricsListener";
      }
    };

    StartupReport report = degradedPlan(broken).start().report();

    assertThat(report.step("http").status()).isEqualTo(StepStatus.UP);
    assertThat(report.warnings()).anyMatch(w -> w.startsWith("listener BrokenMetricsListener threw on STARTING"));
  }

  @Test
  void callerSuppliedExecutor_runsStepsAndIsNotShutDown() throws Exception {
    ExecutorService managed = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "managed-startup-worker");
      t.setDaemon(true);
      return t;
    });
    try {
      StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION).executor(managed)
          .step("db", s -> s.start(ctx -> { }))
          .build();

      StartupReport report = plan.start().report();

      assertThat(report.step("db").thread()).isEqualTo("managed-startup-worker");
      assertThat(managed.isShutdown()).isFalse();
    } finally {
      managed.shutdownNow();
      managed.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void stepContext_reportsRemainingBudget() {
    List<Duration> seen = new CopyOnWriteArrayList<>();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.timeout(Duration.ofSeconds(10)).start(ctx -> seen.add(ctx.remaining())))
        .build();

    plan.start();

    assertThat(seen).singleElement().satisfies(d -> assertThat(d).isBetween(Duration.ofSeconds(5),
        Duration.ofSeconds(10)));
  }

  @Test
  void json_ofOverrunningStep_carriesItsDiagnosis() throws Exception {
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.optional().timeout(Duration.ofMillis(200)).start(Steps.hangInterruptibly()))
        .build();

    JsonNode diagnosis = JSON.readTree(plan.start().report().toJson()).get("steps").get(0).get("diagnosis");

    assertThat(diagnosis.get("stack").asText()).contains("java.util.concurrent.CountDownLatch.await");
    assertThat(diagnosis.get("threadDump").asText()).contains(diagnosis.get("thread").asText());
    assertThat(diagnosis.get("deadlocks").isArray()).isTrue();
    assertThat(diagnosis.get("classInitializationWaits").isArray()).isTrue();
  }

  @Test
  void awaitReport_timingOut_namesTheState() {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.start(ctx -> release.await()))
        .build();
    Startup startup = plan.startInBackground();
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> startup.awaitReport(Duration.ofMillis(50)))
          .isInstanceOf(java.util.concurrent.TimeoutException.class)
          .hasMessage("startup still running after PT0.05S (state STARTING)");
    } finally {
      release.countDown();
      startup.close();
    }
  }
}
