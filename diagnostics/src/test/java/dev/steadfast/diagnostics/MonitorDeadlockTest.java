package dev.steadfast.diagnostics;

import static dev.steadfast.diagnostics.MonitorDeadlockMain.FIRST;
import static dev.steadfast.diagnostics.MonitorDeadlockMain.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real {@code synchronized} deadlock, made in a child JVM of the same Java version ({@link MonitorDeadlockMain}):
 * threads blocked on a monitor ignore interrupts, so in this JVM they could never be freed.
 */
class MonitorDeadlockTest {

    private static String output;

    @BeforeAll
    static void runChildJvm() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(List.of(java.toString(), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), MonitorDeadlockMain.class.getName()))
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] bytes = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        output = new String(bytes, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("child JVM output:%n%s", output).isZero();
    }

    @Test
    void monitorDeadlock_isFoundAsMonitorWithBothNamesAndCycle() {
        assertThat(output).contains("count=1\n", "kind=MONITOR\n",
                "cycle=\"" + FIRST + "\" -> \"" + SECOND + "\" -> \"" + FIRST + "\"\n");
    }

    @Test
    void monitorDeadlock_reportSaysWhatEachThreadHoldsAndWaitsFor() {
        Matcher locks = Pattern.compile("left=(<0x\\p{XDigit}+> \\(a java.lang.Object\\)) right=(<0x\\p{XDigit}+>"
                + " \\(a java.lang.Object\\))").matcher(output);
        assertThat(locks.find()).as(output).isTrue();
        String left = locks.group(1);
        String right = locks.group(2);

        assertThat(output)
                .containsPattern("\"" + FIRST + "\" #\\d+ holds lock " + Pattern.quote(left) + ", waits for lock "
                        + Pattern.quote(right) + " held by \"" + SECOND + "\" #\\d+")
                .containsPattern("\"" + SECOND + "\" #\\d+ holds lock " + Pattern.quote(right) + ", waits for lock "
                        + Pattern.quote(left) + " held by \"" + FIRST + "\" #\\d+")
                .containsPattern("\t- waiting to lock " + Pattern.quote(right) + " owned by \"" + SECOND + "\"");
    }
}
