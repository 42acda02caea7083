package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link Main} in a JVM started without {@code --add-opens java.base/java.lang=ALL-UNNAMED}: the ThreadLocal
 * check must say it did not run and how to enable it, and thread leaks must still be found by snapshots.
 */
class WithoutAddOpensTest {

    private static String output;

    @BeforeAll
    static void runWithoutAddOpens() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()).redirectErrorStream(true).start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited).as("child JVM exited; output:%n%s", output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }

    @Test
    void threadLocalCheck_saysItDidNotRun_andNamesTheFlag() {
        assertThat(output).contains("checksNotRun=[THREAD_LOCALS]", "isClean=false",
                "ThreadLocal check did not run: ", "--add-opens java.base/java.lang=ALL-UNNAMED",
                "Leak check of \"without add-opens\": 1 leak, but a check did not run: [THREAD_LOCALS] (see warnings)");
    }

    @Test
    void threadCheck_fallsBackToSnapshots_andSaysSo() {
        assertThat(output).contains("threads=[unattributed-leak]",
                "Thread leaks were found by comparing live threads before and after the scope");
    }

    @Test
    void scopeThatStartedNoThread_reportsNoThreadEvenWithoutTracking() {
        assertThat(output).contains("quietScopeThreads=[]");
    }

    /** The child JVM's program. */
    static final class Main {

        public static void main(String[] args) throws InterruptedException {
            LeakDetector detector = LeakDetector.builder().linger(Duration.ofMillis(100)).build();
            CountDownLatch release = new CountDownLatch(1);
            ThreadLocal<String> local = new ThreadLocal<>();
            try (LeakScope scope = detector.open("without add-opens")) {
                local.set("leaked");
                Thread thread = new Thread(() -> awaitQuietly(release), "unattributed-leak");
                thread.setDaemon(true);
                thread.start();
                LeakReport report = scope.check();
                List<String> names = report.threads().stream().map(ThreadLeak::name).toList();
                System.out.println("checksNotRun=" + report.checksNotRun() + " isClean=" + report.isClean()
                        + " threads=" + names);
                System.out.println(report);
            }
            try (LeakScope quiet = detector.open("quiet")) {
                System.out.println("quietScopeThreads=" + quiet.check().threads().stream().map(ThreadLeak::name)
                        .toList());
            } finally {
                release.countDown();
            }
        }

        private static void awaitQuietly(CountDownLatch latch) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
