package dev.steadfast.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.doctor.fixtures.ClassInitCycleMain;
import dev.steadfast.doctor.fixtures.CleanBusyServiceMain;
import dev.steadfast.doctor.fixtures.InitializerJoinsWorkerMain;
import dev.steadfast.doctor.fixtures.InitializerNeedsLockMain;
import dev.steadfast.doctor.fixtures.LockDeadlockMain;
import dev.steadfast.doctor.fixtures.MonitorDeadlockMain;
import dev.steadfast.doctor.fixtures.SlowInitializerMain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code doctor hang} on real target JVMs, one per kind of hang, and on a healthy busy one. */
class HangCommandTest {

    /** A hang forms in the target's own time after READY; the doctor is asked again until it shows (or not). */
    private static final Duration FORMS_WITHIN = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void monitorDeadlock_isReportedWithBothThreadsTheThreadsBehindItAndExitCode1() throws Exception {
        try (Target target = Target.start(MonitorDeadlockMain.class)) {
            DoctorRun run = untilFound("hang", target.pidText(), "--samples", "2", "--interval", "300ms");

            assertThat(run.code()).as(run.toString()).isEqualTo(1);
            assertThat(run.out()).as(run.toString())
                    .contains("FOUND: 1 deadlock.")
                    .contains("MONITOR deadlock:")
                    .contains("\"mon-a\"").contains("\"mon-b\"")
                    .contains("- waiting to lock")
                    .containsPattern("held by \"mon-[ab]\" #\\d+: 3 waiting \\(")
                    .contains("in 2 of 2 samples")
                    .containsPattern("Stuck: same stack in all 2 samples[^\\n]*\\n(  .*\\n)*  \"mon-a\" #\\d+ BLOCKED at")
                    .contains("Thread dump at");
            assertThat(run.err()).contains("stop-the-world");
        }
    }

    @Test
    void lockDeadlock_isReportedAsSynchronizerDeadlockInJson() throws Exception {
        try (Target target = Target.start(LockDeadlockMain.class)) {
            DoctorRun run = untilFound("hang", target.pidText(), "--samples", "1", "--json");

            assertThat(run.code()).as(run.toString()).isEqualTo(1);
            JsonNode report = JSON.readTree(run.out());
            assertThat(report.get("deadlockOrStallFound").asBoolean()).isTrue();
            JsonNode deadlock = report.get("deadlocks").get(0);
            assertThat(deadlock.get("kind").asText()).isEqualTo("SYNCHRONIZER");
            assertThat(names(deadlock.get("participants"))).containsExactlyInAnyOrder("lock-a", "lock-b");
            assertThat(deadlock.get("participants").get(0).get("waitsFor").asText())
                    .contains("java.util.concurrent.locks.ReentrantLock$NonfairSync");
        }
    }

    @Test
    void classInitializationCycle_namesBothClassesAndTheirInitializers() throws Exception {
        try (Target target = Target.start(ClassInitCycleMain.class)) {
            DoctorRun run = untilFound("hang", target.pidText(), "--samples", "1");

            assertThat(run.code()).as(run.toString()).isEqualTo(1);
            assertThat(run.out()).as(run.toString())
                    .contains("CLASS_INITIALIZATION deadlock:")
                    .contains("initializes " + ClassInitCycleMain.class.getName() + "$Alpha")
                    .contains("initializes " + ClassInitCycleMain.class.getName() + "$Beta")
                    .containsPattern("\"init-a\" #\\d+ waits for class \\S+\\$Beta to be initialized by \"init-b\"")
                    .containsPattern("\"init-b\" #\\d+ waits for class \\S+\\$Alpha to be initialized by \"init-a\"");
        }
    }

    @Test
    void initializerJoiningAWorkerThatNeedsItsClass_isAStallWithInitializerAndWaiter() throws Exception {
        try (Target target = Target.start(InitializerJoinsWorkerMain.class)) {
            DoctorRun run = untilFound("hang", target.pidText(), "--samples", "2", "--interval", "200ms", "--json");

            assertThat(run.code()).as(run.toString()).isEqualTo(1);
            JsonNode report = JSON.readTree(run.out());
            assertThat(report.get("deadlocks")).as(run.toString()).isEmpty();
            JsonNode stall = report.get("classInitializationStalls").get(0);
            assertThat(stall.get("className").asText()).isEqualTo(InitializerJoinsWorkerMain.class.getName()
                    + "$Config");
            assertThat(stall.get("initializer").get("name").asText()).isEqualTo("config-init");
            assertThat(stall.get("initializerState").asText()).isEqualTo("WAITING");
            assertThat(stall.get("initializerWaitsAt").asText()).contains("java.lang.Thread.join");
            assertThat(names(stall.get("waiters"))).containsExactly("config-worker");
        }
    }

    @Test
    void initializerWaitingForALockAWaiterHolds_isAMixedDeadlockNamingTheLockAndTheClass() throws Exception {
        try (Target target = Target.start(InitializerNeedsLockMain.class)) {
            DoctorRun run = untilFound("hang", target.pidText(), "--samples", "1", "--json");

            assertThat(run.code()).as(run.toString()).isEqualTo(1);
            JsonNode deadlock = JSON.readTree(run.out()).get("deadlocks").get(0);
            assertThat(deadlock.get("kind").asText()).as(run.toString()).isEqualTo("MIXED");
            assertThat(names(deadlock.get("participants"))).containsExactlyInAnyOrder("config-init", "lock-holder");
            List<String> waitsFor = new ArrayList<>();
            deadlock.get("participants").forEach(p -> waitsFor.add(p.get("waitsOn").asText() + " "
                    + p.get("waitsFor").asText()));
            assertThat(waitsFor).as(run.toString()).anyMatch(w -> w.contains("ReentrantLock"))
                    .anyMatch(w -> w.contains(InitializerNeedsLockMain.class.getName() + "$Config"));
        }
    }

    /** A static initializer in a timed wait (retrying with a back-off) ends by itself: slow, not stuck. */
    @Test
    void slowInitializerInATimedWait_isAClassInitWaitWithItsOwner_notAStall() throws Exception {
        try (Target target = Target.start(SlowInitializerMain.class)) {
            String config = SlowInitializerMain.class.getName() + "$Config";
            DoctorRun run = await().atMost(FORMS_WITHIN).until(
                    () -> DoctorRun.of("hang", target.pidText(), "--samples", "2", "--interval", "300ms"),
                    r -> r.out().contains("waits for class " + config));

            assertThat(run.code()).as(run.toString()).isEqualTo(0);
            assertThat(run.out()).as(run.toString())
                    .contains("No deadlock found.")
                    .doesNotContain("stall")
                    .containsPattern("\"config-reader\" #\\d+ waits for class \\S+\\$Config to be initialized by"
                            + " \"config-init\" #\\d+");
        }
    }

    @Test
    void cleanBusyService_reportsNothingAndExits0() throws Exception {
        try (Target target = Target.start(CleanBusyServiceMain.class)) {
            DoctorRun run = DoctorRun.of("hang", target.pidText(), "--samples", "3", "--interval", "300ms");

            assertThat(run.code()).as(run.toString()).isEqualTo(0);
            assertThat(run.out()).as(run.toString())
                    .contains("No deadlock found.")
                    .contains("No thread stuck in the same frame in all 3 samples.")
                    .doesNotContain("Class-initialization")
                    .doesNotContain("Lock contention")
                    .doesNotContain("Warnings");
        }
    }

    private static DoctorRun untilFound(String... args) {
        return await().atMost(FORMS_WITHIN).until(() -> DoctorRun.of(args), run -> run.code() == 1);
    }

    private static List<String> names(JsonNode threads) {
        List<String> names = new ArrayList<>();
        threads.forEach(t -> names.add(t.has("thread") ? t.get("thread").asText() : t.get("name").asText()));
        return names;
    }
}
