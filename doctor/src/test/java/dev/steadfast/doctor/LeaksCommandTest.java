package dev.steadfast.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steadfast.doctor.fixtures.CleanBusyServiceMain;
import dev.steadfast.doctor.fixtures.SteadyLeakMain;
import dev.steadfast.doctor.fixtures.ThreadLeakMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor leaks} on real target JVMs: a steady heap leak, a thread leak, and a healthy busy service. Sampling
 * lasts {@code -Ddoctor.leakSampling} (12 s at 1 s by default, a minute at 5 s with {@code -Psoak}); the heap leak runs at 16 KB/s
 * by default (1 KB/s in the soak run, the rate the issue names) so that 12 s are plenty.
 */
class LeaksCommandTest {

    private static final String SAMPLING = System.getProperty("doctor.leakSampling", "12s");
    private static final boolean LONG_RUN = !SAMPLING.equals("12s");
    /**
     * Thirteen samples in the default 12 s: rising classes count towards a verdict only once enough samples rule out
     * chance (seven to nine on a young JVM), so seven samples at 2 s would leave the verdict to the live heap alone.
     */
    private static final String INTERVAL = LONG_RUN ? "5s" : "1s";
    private static final String LEAK_BYTES_PER_SECOND = LONG_RUN ? "1024" : "16384";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void steadyLeakIntoAStaticMap_namesTheGrowingClassItsRateAndWhoHoldsIt(@TempDir Path dumps) throws Exception {
        try (Target target = Target.start(SteadyLeakMain.class, LEAK_BYTES_PER_SECOND)) {
            DoctorRun run = DoctorRun.of("leaks", target.pidText(), "--duration", SAMPLING, "--interval", INTERVAL,
                    "--heap-dump", "--dump-dir", dumps.toString());

            assertThat(run.code()).as(run.toString()).isEqualTo(1);
            String session = SteadyLeakMain.class.getName() + "$Session";
            assertThat(run.out()).as(run.toString())
                    .contains("VERDICT: GROWING: the heap grows.")
                    .containsPattern("Note: the JVM had run for \\d+s when sampling began")
                    .containsPattern("\\n  " + session.replace("$", "\\$") + " +\\+\\d+\\.\\d/min instances")
                    .contains("Who holds them (heap dump read with Shark):")
                    .containsPattern("GC root: class " + SteadyLeakMain.class.getName())
                    .contains("static " + SteadyLeakMain.class.getName() + ".SESSIONS");
            assertThat(run.err()).as(run.toString())
                    .contains("forces a FULL, STOP-THE-WORLD GC")
                    .contains("Dumping the heap")
                    .containsPattern("\\[  5/\\d+ +\\S+\\] live [^|]+\\| running verdict:");
            try (Stream<Path> left = Files.list(dumps)) {
                assertThat(left).as("the heap dump is deleted without --keep-dump").isEmpty();
            }
        }
    }

    /** Threads are counted the same with or without a collection: this one runs without the full GCs. */
    @Test
    void threadLeak_isGroupedByNamePattern_alsoWithoutForcedGc() throws Exception {
        try (Target target = Target.start(ThreadLeakMain.class)) {
            DoctorRun run = DoctorRun.of("leaks", target.pidText(), "--duration", SAMPLING, "--interval", INTERVAL,
                    "--json", "--no-gc");

            assertThat(run.code()).as(run.toString()).isEqualTo(1);
            JsonNode report = JSON.readTree(run.out());
            assertThat(report.get("threadsGrowing").asBoolean()).as(run.toString()).isTrue();
            JsonNode pattern = report.get("growingThreadPatterns").get(0);
            assertThat(pattern.get("name").asText()).isEqualTo("pool-*-thread-*");
            assertThat(pattern.get("instancesPerMinute").get("perMinute").asDouble()).isBetween(60.0, 180.0);
            assertThat(pattern.get("instancesAtEnd").asLong()).isGreaterThan(pattern.get("instancesAtStart").asLong());
            assertThat(run.err()).as(run.toString()).contains("--no-gc: each sample counts every object")
                    .doesNotContain("STOP-THE-WORLD");
        }
    }

    @Test
    void cleanBusyService_reportsNoGrowthAndExits0() throws Exception {
        try (Target target = Target.start(CleanBusyServiceMain.class)) {
            DoctorRun run = DoctorRun.of("leaks", target.pidText(), "--duration", SAMPLING, "--interval", INTERVAL,
                    "--json");

            assertThat(run.code()).as(run.toString()).isEqualTo(0);
            JsonNode report = JSON.readTree(run.out());
            assertThat(report.get("growing").asBoolean()).isFalse();
            assertThat(names(report.get("growingThreadPatterns"))).as(run.toString()).isEmpty();
            assertThat(run.err()).doesNotContain("GROWING");
        }
    }

    private static List<String> names(JsonNode nodes) {
        List<String> names = new ArrayList<>();
        nodes.forEach(n -> names.add(n.get("name").asText()));
        return names;
    }
}
