package dev.steadfast.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoStartupThreadLeft.class)
class StartupDeterminismTest {

  /** A plan with parallel branches, an optional failure, skipped dependants and a soft dependency. */
  private static StartupPlan plan(Random jitter, List<StepEvent> events) {
    StepAction work = ctx -> TimeUnit.MILLISECONDS.sleep(jitter.nextInt(15));
    return StartupPlan.builder().environment(Environment.PRODUCTION)
        .listener(new StartupListener() {
          @Override
          public void onStepEvent(StepEvent event) {
            events.add(event);
          }
        })
        .phase("infrastructure").phase("service")
        .step("config", s -> s.phase("infrastructure").start(work))
        .step("secrets", s -> s.phase("infrastructure").start(work))
        .step("db", s -> s.phase("infrastructure").dependsOn("config", "secrets").start(work))
        .step("cache", s -> s.phase("infrastructure").dependsOn("config").start(work))
        .step("search", s -> s.phase("infrastructure").optional().dependsOn("config").start(ctx -> {
          work.start(ctx);
          throw new ConnectException("search cluster refused");
        }))
        .step("search-warmup", s -> s.phase("infrastructure").optional().dependsOn("search").start(work))
        .step("consumer", s -> s.phase("service").dependsOn("db", "cache").start(work))
        .step("suggestions", s -> s.phase("service").optional().dependsOn("search-warmup").start(work))
        .step("http", s -> s.phase("service").dependsOn("consumer").dependsOnOptionally("search").start(work))
        .build();
  }

  /** Everything a decision changes: per step status, attempts, error, detail, and its event kinds in order. */
  private static List<String> decisions(StartupReport report, List<StepEvent> events) {
    Map<String, List<StepEvent.Kind>> kinds = new LinkedHashMap<>();
    for (StepEvent e : events) {
      kinds.computeIfAbsent(e.step(), k -> new ArrayList<>()).add(e.kind());
    }
    List<String> out = new ArrayList<>();
    out.add(report.outcome().name());
    for (StepReport s : report.steps()) {
      out.add(s.name() + " " + s.status() + " attempts=" + s.attempts() + " error="
          + s.error().map(StepError::rootCause).orElse("-") + " detail=" + s.detail() + " events="
          + kinds.get(s.name()));
    }
    return out;
  }

  @Test
  void twentyRuns_makeTheSameDecisions() {
    List<String> first = null;
    for (int run = 0; run < 20; run++) {
      List<StepEvent> events = new CopyOnWriteArrayList<>();
      StartupReport report = plan(new Random(run), events).start().report();
      List<String> decisions = decisions(report, events);
      if (first == null) {
        first = decisions;
        assertThat(first).contains("search-warmup SKIPPED attempts=0 error=- detail=dependency 'search' is FAILED"
            + " events=[SKIPPED]");
      } else {
        assertThat(decisions).as("run %d", run).isEqualTo(first);
      }
    }
  }

  @Test
  void stepsStartableTogether_startInDeclarationOrder() {
    List<StepEvent> events = new CopyOnWriteArrayList<>();
    plan(new Random(7), events).start();

    List<String> firstStarts = events.stream().filter(e -> e.kind() == StepEvent.Kind.STARTING)
        .map(StepEvent::step).limit(2).toList();
    assertThat(firstStarts).containsExactly("config", "secrets");
  }

  @Test
  void sequentialMode_runsOneAtATimeInDeclarationOrderOfDependencies() {
    List<String> order = new CopyOnWriteArrayList<>();
    Map<String, Boolean> running = new ConcurrentHashMap<>();
    StepAction exclusive = ctx -> {
      assertThat(running).isEmpty();
      running.put(ctx.stepName(), true);
      order.add(ctx.stepName());
      TimeUnit.MILLISECONDS.sleep(5);
      running.remove(ctx.stepName());
    };
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION).sequential()
        .step("http", s -> s.dependsOn("db").start(exclusive))
        .step("config", s -> s.start(exclusive))
        .step("db", s -> s.dependsOn("config").start(exclusive))
        .step("metrics", s -> s.start(exclusive))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.outcome()).isEqualTo(StartupOutcome.READY);
    assertThat(order).containsExactly("config", "db", "http", "metrics");
  }

  @Test
  void independentSteps_overlapInTime() {
    CyclicBarrier allFourInside = new CyclicBarrier(4);
    StepAction meet = ctx -> allFourInside.await(10, TimeUnit.SECONDS);
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .step("db", s -> s.start(meet))
        .step("cache", s -> s.start(meet))
        .step("queue", s -> s.start(meet))
        .step("search", s -> s.start(meet))
        .build();

    StartupReport report = plan.start().report();

    assertThat(report.outcome()).as(report.toString()).isEqualTo(StartupOutcome.READY);
    assertThat(report.steps()).extracting(StepReport::thread).doesNotHaveDuplicates();
  }

  @Test
  void parallelism_boundsStepsRunningAtOnce() {
    java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger peak = new java.util.concurrent.atomic.AtomicInteger();
    StepAction counted = ctx -> {
      peak.accumulateAndGet(now.incrementAndGet(), Math::max);
      TimeUnit.MILLISECONDS.sleep(20);
      now.decrementAndGet();
    };
    StartupPlan.Builder b = StartupPlan.builder().environment(Environment.PRODUCTION).parallelism(3);
    for (int i = 0; i < 12; i++) {
      b.step("step-" + i, s -> s.start(counted));
    }

    StartupReport report = b.build().start().report();

    assertThat(report.outcome()).isEqualTo(StartupOutcome.READY);
    assertThat(peak.get()).isBetween(1, 3);
  }

  @Test
  void phases_runInOrder_evenWithoutDependencies() {
    List<String> journal = new CopyOnWriteArrayList<>();
    StartupPlan plan = StartupPlan.builder().environment(Environment.PRODUCTION)
        .phase("infrastructure").phase("service")
        .step("http", s -> s.phase("service").start(ctx -> journal.add("start http")))
        .step("db", s -> s.phase("infrastructure").start(ctx -> {
          TimeUnit.MILLISECONDS.sleep(50);
          journal.add("db up");
        }))
        .build();

    plan.start();

    assertThat(journal).containsExactly("db up", "start http");
  }
}
