package dev.steadfast.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.doctor.fixtures.CleanBusyServiceMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the doctor leaves in the JVM it examined, seen from outside with the JDK's own {@code jcmd}: beyond what any
 * attach leaves (the "Attach Listener" thread and the {@code /tmp/.java_pid<pid>} socket, created here by the first
 * {@code jcmd}), only the JDK's local JMX connector (its accept and scheduler threads, plus connection threads that
 * time out), which a second run reuses; no file, in its working directory or in the temporary directory.
 */
class TargetResidueTest {

    private static final Pattern THREAD_NAME = Pattern.compile("^\"(.*)\" #\\d+", Pattern.MULTILINE);
    private static final Pattern TARGET_OWN_THREAD = Pattern.compile("pool-1-thread-\\d+");
    private static final Pattern JMX_CONNECTOR_THREAD = Pattern.compile(
            "RMI TCP Accept-\\d+|RMI Scheduler\\(\\d+\\)|RMI TCP Connection\\(.*|JMX server connection timeout \\d+");

    @Test
    void hangAndLeaks_leaveOnlyTheLocalJmxConnectorAndNoFile() throws Exception {
        try (Target target = Target.start(CleanBusyServiceMain.class)) {
            Set<String> threadsBefore = threadNames(target);
            Set<String> targetDirBefore = files(target.directory());
            Set<String> tmpBefore = filesNaming(Path.of(System.getProperty("java.io.tmpdir")), target.pid());

            DoctorRun hang = DoctorRun.of("hang", target.pidText(), "--samples", "1");
            DoctorRun leaks = DoctorRun.of("leaks", target.pidText(), "--duration", "4s", "--interval", "1s");

            assertThat(hang.code()).as(hang.toString()).isZero();
            // Ran to the end is what matters here. Five samples in the target's first seconds may see its JIT
            // compiler still resolving string constants (a verdict the report qualifies as a young JVM's): the
            // verdicts on this target are LeaksCommandTest's, sampled longer.
            assertThat(leaks.code()).as(leaks.toString()).isIn(ExitCode.CLEAN.code(), ExitCode.FOUND.code());
            assertThat(leaks.out()).as(leaks.toString()).contains("VERDICT: ");
            Set<String> added = threadNames(target);
            added.removeAll(threadsBefore);
            // The target's own cached pool retires idle threads and starts new ones with higher numbers all the time.
            added.removeIf(name -> TARGET_OWN_THREAD.matcher(name).matches());
            assertThat(added).as("threads added to the target").isNotEmpty()
                    .allMatch(name -> JMX_CONNECTOR_THREAD.matcher(name).matches());
            assertThat(added.stream().filter(name -> name.startsWith("RMI TCP Accept-")))
                    .as("one connector, reused by the second run").hasSize(1);
            assertThat(files(target.directory())).isEqualTo(targetDirBefore);
            assertThat(filesNaming(Path.of(System.getProperty("java.io.tmpdir")), target.pid()))
                    .isEqualTo(tmpBefore);
        }
    }

    private static Set<String> threadNames(Target target) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process process = new ProcessBuilder(jcmd.toString(), target.pidText(), "Thread.print").start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Set<String> names = new TreeSet<>();
        Matcher matcher = THREAD_NAME.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        assertThat(names).as(text).contains("main");
        return names;
    }

    private static Set<String> files(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Other processes use the temporary directory too: only names carrying the target's pid are compared. */
    private static Set<String> filesNaming(Path directory, long pid) throws IOException {
        Set<String> all = files(directory);
        all.removeIf(name -> !name.contains(Long.toString(pid)));
        return all;
    }

    @Test
    void list_showsTheTargetWithMainClassUptimeAndHeap() throws Exception {
        try (Target target = Target.start(CleanBusyServiceMain.class)) {
            DoctorRun run = DoctorRun.of("list");

            assertThat(run.code()).as(run.toString()).isZero();
            List<String> rows = run.out().lines().filter(l -> l.trim().startsWith(target.pidText() + " ")).toList();
            assertThat(rows).as(run.toString()).singleElement().asString()
                    .matches(" *" + target.pid() + "  \\d+\\S* +\\d+(\\.\\d)? [KMG]?B  "
                            + Pattern.quote(CleanBusyServiceMain.class.getName()));
        }
    }
}
