package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeakReportTest {

    private static final StackTraceElement RUN = new StackTraceElement("com.acme.Poller", "run", "Poller.java", 42);
    private static final StackTraceElement START = new StackTraceElement("com.acme.Poller", "start", "Poller.java", 17);

    @Test
    void noLeaksAndAllChecksRun_isClean() {
        LeakReport report = report(List.of(), List.of(), List.of(), List.of(), Set.of());

        assertThat(report.isClean()).isTrue();
        assertThat(report.hasLeaks()).isFalse();
        assertThat(report).hasToString("Leak check of \"scope\": no leaks\n");
    }

    @Test
    void checkThatDidNotRun_isNeverClean() {
        LeakReport report = report(List.of(), List.of(), List.of(), List.of("flag missing"),
                EnumSet.of(LeakCheck.THREAD_LOCALS));

        assertThat(report.hasLeaks()).isFalse();
        assertThat(report.isClean()).isFalse();
        assertThat(report).hasToString("Leak check of \"scope\": no leaks found, but a check did not run: "
                + "[THREAD_LOCALS] (see warnings)\n\nWarnings:\n  - flag missing\n");
    }

    @Test
    void toString_showsEachLeakWithItsDetails() {
        ThreadLeak thread = new ThreadLeak("poller", 7, Thread.State.TIMED_WAITING, true, List.of(RUN),
                Optional.of("main"), List.of(START));
        ThreadLocalLeak threadLocal = new ThreadLocalLeak("main", 1, "java.lang.ThreadLocal",
                Optional.of("static com.acme.Ctx.CURRENT"), "com.acme.User", false);
        RetainedObject retained = new RetainedObject("closed session", "com.acme.Session",
                Optional.of(new RetentionPath("class com.acme.Registry", List.of(
                        new RetentionPath.Hop(RetentionPath.Kind.STATIC_FIELD, "static com.acme.Registry.sessions",
                                "java.util.ArrayList"),
                        new RetentionPath.Hop(RetentionPath.Kind.ARRAY_ELEMENT, "java.util.ArrayList.elementData[0]",
                                "com.acme.Session")))),
                Optional.empty());

        LeakReport report = report(List.of(thread), List.of(threadLocal), List.of(retained), List.of(), Set.of());

        assertThat(report.isClean()).isFalse();
        assertThat(report).hasToString("""
                Leak check of "scope": 3 leaks

                1 thread started in the scope still alive after 1 s:
                  "poller" (id 7, TIMED_WAITING, daemon)
                      at com.acme.Poller.run(Poller.java:42)
                    started by thread "main" at
                      at com.acme.Poller.start(Poller.java:17)

                1 ThreadLocal entry set in the scope and never removed:
                  static com.acme.Ctx.CURRENT (java.lang.ThreadLocal) on thread "main" holds com.acme.User

                1 watched object still reachable after garbage collection:
                  "closed session" (com.acme.Session)
                    held by:
                      GC root: class com.acme.Registry
                        static com.acme.Registry.sessions -> java.util.ArrayList
                        java.util.ArrayList.elementData[0] -> com.acme.Session
                """);
    }

    private static LeakReport report(List<ThreadLeak> threads, List<ThreadLocalLeak> threadLocals,
                                     List<RetainedObject> retained, List<String> warnings, Set<LeakCheck> notRun) {
        return new LeakReport("scope", Duration.ofSeconds(1), threads, threadLocals, retained, List.of(), warnings,
                notRun);
    }
}
