package dev.steadfast.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.steadfast.diagnostics.Durations;
import dev.steadfast.doctor.fixtures.CleanBusyServiceMain;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way the doctor can be pointed at the wrong thing: one line, its own exit code, never a stack trace. */
class BadInputTest {

    @Test
    void unknownPid_exits3() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor(10, TimeUnit.SECONDS);

        DoctorRun run = DoctorRun.of("hang", Long.toString(ended.pid()));

        assertOneLineFailure(run, ExitCode.NO_SUCH_PROCESS);
        assertThat(run.err()).contains("no process with pid " + ended.pid());
    }

    /** Seen from the owner check, since the suite runs as one user (and a root doctor may attach to anyone). */
    @Test
    void processOfAnotherUser_exits4NamingTheUserAndHowToRunAsThem() {
        assertThatThrownBy(() -> TargetProcess.checkOwner(42, Optional.of("svc"), Optional.of("alice")))
                .isInstanceOf(DoctorException.class)
                .hasMessage("pid 42 belongs to user 'svc' and a JVM accepts attaching only from its own user: run the"
                        + " doctor as that user, e.g. sudo -u svc java -jar steadfast-doctor.jar ...")
                .extracting(e -> ((DoctorException) e).exitCode()).isEqualTo(ExitCode.OTHER_USER);
        assertThatCode(() -> TargetProcess.checkOwner(42, Optional.of("svc"), Optional.of("root")))
                .as("root may attach to any JVM").doesNotThrowAnyException();
        assertThatCode(() -> TargetProcess.checkOwner(42, Optional.of("svc"), Optional.of("svc")))
                .doesNotThrowAnyException();
    }

    @Test
    void processThatIsNotAJvm_exits5() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "60").start();
        try {
            DoctorRun run = DoctorRun.of("leaks", Long.toString(sleep.pid()));

            assertOneLineFailure(run, ExitCode.UNSUPPORTED_JVM);
            assertThat(run.err()).contains("is not a Java virtual machine (it runs ").contains("sleep");
            assertThat(sleep.isAlive()).as("no signal was sent to it").isTrue();
        } finally {
            sleep.destroyForcibly();
        }
    }

    @Test
    void nonHotSpotOrTooOldJvm_isRefusedWithWhatItRuns() {
        Properties openJ9 = new Properties();
        openJ9.setProperty("java.vm.name", "Eclipse OpenJ9 VM");
        openJ9.setProperty("java.vm.version", "openj9-0.46.0");
        openJ9.setProperty("java.specification.version", "21");
        Properties java8 = new Properties();
        java8.setProperty("java.vm.name", "OpenJDK 64-Bit Server VM");
        java8.setProperty("java.vm.version", "25.402-b06");
        java8.setProperty("java.specification.version", "1.8");

        assertThatThrownBy(() -> TargetProcess.checkSupported(42, openJ9)).isInstanceOf(DoctorException.class)
                .hasMessage("pid 42 runs Eclipse OpenJ9 VM openj9-0.46.0, not a HotSpot-based JVM: the doctor reads"
                        + " HotSpot's diagnostic commands (use the vendor's own tools, e.g. OpenJ9's jdmpview)")
                .extracting(e -> ((DoctorException) e).exitCode()).isEqualTo(ExitCode.UNSUPPORTED_JVM);
        assertThatThrownBy(() -> TargetProcess.checkSupported(42, java8)).isInstanceOf(DoctorException.class)
                .hasMessageStartingWith("pid 42 runs OpenJDK 64-Bit Server VM 25.402-b06: the doctor needs Java 11"
                        + " or later")
                .extracting(e -> ((DoctorException) e).exitCode()).isEqualTo(ExitCode.UNSUPPORTED_JVM);
    }

    @Test
    void attachDisabled_exits6WithoutSignallingTheTarget() throws Exception {
        try (Target target = Target.start(List.of("-XX:+DisableAttachMechanism"), CleanBusyServiceMain.class)) {
            DoctorRun run = DoctorRun.of("hang", target.pidText());

            assertOneLineFailure(run, ExitCode.ATTACH_REFUSED);
            assertThat(run.err()).contains("was started with -XX:+DisableAttachMechanism");
            assertThat(target.output()).as("an attach attempt would have made it print a thread dump")
                    .doesNotContain("Full thread dump");
        }
    }

    @Test
    void targetDyingMidSampling_exits7() throws Exception {
        try (Target target = Target.start(CleanBusyServiceMain.class)) {
            StringWriter err = new StringWriter();
            CompletableFuture<DoctorRun> running = DoctorRun.start(err, "leaks", target.pidText(), "--duration",
                    "30s", "--interval", "1s");
            await().atMost(Duration.ofSeconds(30)).until(() -> err.toString().contains("[  2/"));

            target.kill();
            DoctorRun run = running.get(30, TimeUnit.SECONDS);

            assertThat(run.code()).as(run.toString()).isEqualTo(ExitCode.TARGET_GONE.code());
            String last = run.err().strip().lines().reduce((a, b) -> b).orElseThrow();
            assertThat(last).startsWith("steadfast-doctor: pid " + target.pid() + " ");
            assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void unwritableDumpDirectory_exits8BeforeSampling(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        try (Target target = Target.start(CleanBusyServiceMain.class)) {
            DoctorRun missing = DoctorRun.of("leaks", target.pidText(), "--heap-dump", "--dump-dir",
                    dir.resolve("missing").toString());
            DoctorRun notADirectory = DoctorRun.of("leaks", target.pidText(), "--heap-dump", "--dump-dir",
                    file.toString());

            assertOneLineFailure(missing, ExitCode.DUMP_DIR_UNWRITABLE);
            assertOneLineFailure(notADirectory, ExitCode.DUMP_DIR_UNWRITABLE);
            assertThat(missing.err()).contains("--dump-dir " + dir.resolve("missing") + " is not a directory");
        }
    }

    @Test
    void badOptions_areAllNamedInOneLineWithExit2() {
        DoctorRun run = DoctorRun.of("leaks", "12345", "--duration", "5s", "--interval", "10s", "--keep-dump");

        assertOneLineFailure(run, ExitCode.USAGE);
        assertThat(run.err()).contains("--duration 5s with --interval 10s gives 1 samples; at least 5 are needed")
                .contains("--keep-dump needs --heap-dump");
    }

    @Test
    void unparsableDuration_namesTheGrammar() {
        DoctorRun run = DoctorRun.of("leaks", "12345", "--interval", "often");

        assertOneLineFailure(run, ExitCode.USAGE);
        assertThat(run.err()).contains("--interval").contains("not a duration: 'often' (" + Durations.GRAMMAR + ")");
    }

    @Test
    void exitCodes_areDistinct() {
        Set<Integer> codes = new HashSet<>();
        for (ExitCode code : ExitCode.values()) {
            assertThat(codes.add(code.code())).as(code.name()).isTrue();
        }
    }

    private static void assertOneLineFailure(DoctorRun run, ExitCode expected) {
        assertThat(run.code()).as(run.toString()).isEqualTo(expected.code());
        assertThat(run.err().strip().lines()).as(run.toString()).hasSize(1);
        assertThat(run.err()).startsWith("steadfast-doctor: ").doesNotContain("\tat ");
        assertThat(run.out()).isEmpty();
    }
}
