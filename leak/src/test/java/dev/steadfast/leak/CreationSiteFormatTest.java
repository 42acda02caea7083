package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CreationSiteFormatTest {

    private static final StackTraceElement MARKER = frame(ScopeMarker.class.getName(), "childValue");
    private static final StackTraceElement INHERITED_MAP = frame("java.lang.ThreadLocal", "createInheritedMap");
    private static final StackTraceElement THREAD_INIT = frame("java.lang.Thread", "<init>");
    private static final StackTraceElement FACTORY = frame("com.acme.NamedFactory", "newThread");
    private static final StackTraceElement WORKER_INIT = frame("java.util.concurrent.ThreadPoolExecutor$Worker", "<init>");
    private static final StackTraceElement ADD_WORKER = frame("java.util.concurrent.ThreadPoolExecutor", "addWorker");
    private static final StackTraceElement EXECUTE = frame("java.util.concurrent.ThreadPoolExecutor", "execute");
    private static final StackTraceElement SUBMIT = frame("java.util.concurrent.AbstractExecutorService", "submit");
    private static final StackTraceElement USER_START = frame("com.acme.Orders", "startWorkers");
    private static final StackTraceElement USER_TEST = frame("com.acme.OrdersTest", "processesOrders");
    private static final List<StackTraceElement> JUNIT_TAIL = List.of(
            frame("jdk.internal.reflect.DirectMethodHandleAccessor", "invoke"),
            frame("java.lang.reflect.Method", "invoke"),
            frame("org.junit.platform.commons.util.ReflectionUtils", "invokeMethod"),
            frame("org.junit.jupiter.engine.execution.MethodInvocation", "proceed"),
            frame("org.apache.maven.surefire.booter.ForkedBooter", "main"));

    @Test
    void executorPlumbing_isTrimmed_andNamedInOneViaLine() {
        String text = format(MARKER, INHERITED_MAP, THREAD_INIT, THREAD_INIT, FACTORY, WORKER_INIT, ADD_WORKER, EXECUTE,
                SUBMIT, USER_START, USER_TEST);

        assertThat(text).isEqualTo("""
                via java.util.concurrent.ThreadPoolExecutor.execute (thread factory com.acme.NamedFactory.newThread(Orders.java:7))
                at java.util.concurrent.AbstractExecutorService.submit(Orders.java:7)
                at com.acme.Orders.startWorkers(Orders.java:7)
                at com.acme.OrdersTest.processesOrders(Orders.java:7)
                """);
    }

    @Test
    void steadfastThreadsPlumbing_isTrimmed_andNamedInTheViaLine() {
        String text = format(MARKER, INHERITED_MAP, THREAD_INIT,
                frame("dev.steadfast.threads.ManagedThread", "<init>"),
                frame("dev.steadfast.threads.Pool", "newThread"), USER_START);

        assertThat(text).isEqualTo("""
                via dev.steadfast.threads.Pool.newThread
                at com.acme.Orders.startWorkers(Orders.java:7)
                """);
    }

    @Test
    void lambdaThreadFactory_isRecognisedByItsCaller_andNamedWithItsLocation() {
        String text = format(THREAD_INIT, frame("com.acme.Orders", "lambda$startWorkers$0"), WORKER_INIT, ADD_WORKER,
                EXECUTE, USER_START);

        assertThat(text).isEqualTo("""
                via java.util.concurrent.ThreadPoolExecutor.execute \
                (thread factory com.acme.Orders.lambda$startWorkers$0(Orders.java:7))
                at com.acme.Orders.startWorkers(Orders.java:7)
                """);
    }

    @Test
    void testFrameworkTail_isCutAfterTheTestsOwnFrames_withItsFrameCount() {
        List<StackTraceElement> site = new ArrayList<>(List.of(USER_START, USER_TEST));
        site.addAll(JUNIT_TAIL);

        assertThat(format(site)).isEqualTo("""
                at com.acme.Orders.startWorkers(Orders.java:7)
                at com.acme.OrdersTest.processesOrders(Orders.java:7)
                ... 5 more frames (test framework)
                """);
    }

    @Test
    void stackWithoutPlumbingOrFramework_isPrintedUnchanged() {
        StackTraceElement main = frame("com.acme.Main", "main");

        assertThat(format(USER_START, main)).isEqualTo("""
                at com.acme.Orders.startWorkers(Orders.java:7)
                at com.acme.Main.main(Orders.java:7)
                """);
    }

    @Test
    void directNewThread_hasNoViaLine_becauseTheFirstFrameIsTheCaller() {
        assertThat(format(MARKER, INHERITED_MAP, THREAD_INIT, USER_START))
                .isEqualTo("at com.acme.Orders.startWorkers(Orders.java:7)\n");
    }

    @Test
    void allPlumbing_stillPrintsTheFrames() {
        assertThat(format(MARKER, THREAD_INIT, FACTORY, ADD_WORKER)).isEqualTo("""
                at dev.steadfast.leak.ScopeMarker.childValue(Orders.java:7)
                at java.lang.Thread.<init>(Orders.java:7)
                at com.acme.NamedFactory.newThread(Orders.java:7)
                at java.util.concurrent.ThreadPoolExecutor.addWorker(Orders.java:7)
                """);
    }

    @Test
    void plumbingDirectlyAboveTheFramework_isKept_soTheCallerIsStillShown() {
        List<StackTraceElement> site = new ArrayList<>(List.of(THREAD_INIT,
                frame("dev.steadfast.threads.PoolTest", "startsThread")));
        site.addAll(JUNIT_TAIL);

        assertThat(format(site)).isEqualTo("""
                at java.lang.Thread.<init>(Orders.java:7)
                at dev.steadfast.threads.PoolTest.startsThread(Orders.java:7)
                ... 5 more frames (test framework)
                """);
    }

    @Test
    void longOwnStack_isCutAtTheFrameLimit_withTheRemainingCount() {
        List<StackTraceElement> site = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            site.add(frame("com.acme.Recursive", "descend" + i));
        }
        site.addAll(JUNIT_TAIL);

        StringBuilder out = new StringBuilder();
        CreationSiteFormat.append(out, "", site, 3);

        assertThat(out).hasToString("""
                at com.acme.Recursive.descend0(Orders.java:7)
                at com.acme.Recursive.descend1(Orders.java:7)
                at com.acme.Recursive.descend2(Orders.java:7)
                ... 7 more frames
                """);
    }

    private static String format(StackTraceElement... site) {
        return format(List.of(site));
    }

    private static String format(List<StackTraceElement> site) {
        StringBuilder out = new StringBuilder();
        CreationSiteFormat.append(out, "", site, Texts.MAX_FRAMES);
        return out.toString();
    }

    private static StackTraceElement frame(String type, String method) {
        return new StackTraceElement(type, method, "Orders.java", 7);
    }
}
