package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves a thread running that was not there before it started, or that leaked a Netty
 * buffer (reported by {@link RecordingLeakDetector}).
 */
final class NoThreadsLeftBehind implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            NoThreadsLeftBehind.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        assertThat(RecordingLeakDetector.installed()).as("Netty leak detector installed by the surefire configuration")
                .isTrue();
        context.getStore(NAMESPACE).put("before", Set.copyOf(Thread.getAllStackTraces().keySet()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterAll(ExtensionContext context) {
        assertThat(RecordingLeakDetector.collectAndDrain()).as("Netty buffers never released").isEmpty();
        Set<Thread> before = (Set<Thread>) context.getStore(NAMESPACE).get("before");
        await("threads started by " + context.getDisplayName() + " to end")
                .atMost(Duration.ofSeconds(15))
                .pollInSameThread()
                .untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet().stream()
                        .filter(thread -> !before.contains(thread) && thread.isAlive())
                        // The JVM starts it when a tool (jcmd, jstack, a profiler) attaches: not the test's thread.
                        .filter(thread -> !thread.getName().equals("Attach Listener"))
                        .map(Thread::getName)
                        .collect(Collectors.toList()))
                        .as("threads left running").isEmpty());
    }
}
