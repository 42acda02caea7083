package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.diagnostics.ThreadLocalMaps;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.InternalThreadLocalMap;
import java.lang.ref.SoftReference;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented meaning of a ThreadLocal leak ({@link ThreadLocalRules}), one rule per test, each with its leaky
 * and clean look-alike: request-scoped state fails, per-thread caches are notes.
 */
class ThreadLocalRulesTest {

    static final ThreadLocal<Object> CONTEXT = new ThreadLocal<>();
    static final ThreadLocal<Map<String, String>> MDC_LIKE = new ThreadLocal<>();
    static final FastThreadLocal<Session> FAST_SESSION = new FastThreadLocal<>();

    private final LeakDetector detector = LeakDetector.builder()
            .checks(EnumSet.of(LeakCheck.THREAD_LOCALS)).linger(Duration.ZERO).build();

    @AfterEach
    void cleanUp() {
        CONTEXT.remove();
        MDC_LIKE.remove();
        FAST_SESSION.remove();
        InternalThreadLocalMap.remove();
    }

    @Test
    void softlyHeldValue_isANoteNotALeak() {
        try (LeakScope scope = detector.open("soft")) {
            CONTEXT.set(new SoftReference<>(new Session()));
            LeakReport report = scope.check();

            assertThat(report.threadLocals()).isEmpty();
            assertThat(report.notes()).singleElement().satisfies(note -> {
                assertThat(note.source()).isEqualTo("rule: soft/weak reference");
                assertThat(note.subject()).startsWith("static " + getClass().getName() + ".CONTEXT ");
            });
        }
    }

    @Test
    void emptiedMap_isANote_butAMapHoldingKeys_isALeakShowingKeysNotValues() {
        try (LeakScope scope = detector.open("empty")) {
            MDC_LIKE.set(new HashMap<>());
            assertThat(scope.check().threadLocals()).isEmpty();
        }
        MDC_LIKE.remove();
        try (LeakScope scope = detector.open("holding")) {
            MDC_LIKE.set(new HashMap<>(Map.of("requestId", "secret-token-value")));
            assertThat(scope.check().threadLocals()).singleElement().asString()
                    .contains("holds java.util.HashMap (1 entry; keys: \"requestId\")")
                    .doesNotContain("secret-token-value");
        }
    }

    @Test
    void entryClearedToNullBeforeTheTest_thenFilledAgain_isALeak() {
        MDC_LIKE.set(null); // what logging MDCs do on clear(): the entry stays, holding null
        try (LeakScope scope = detector.open("refilled")) {
            MDC_LIKE.set(new HashMap<>(Map.of("user", "ann")));

            assertThat(scope.check().threadLocals()).singleElement().asString()
                    .contains("MDC_LIKE").contains(", was null");
        }
    }

    @Test
    void mapThatExistedEmpty_filledInTheTest_isALeak_andOneThatGrew_too() {
        Map<String, String> map = new HashMap<>();
        MDC_LIKE.set(map);
        try (LeakScope scope = detector.open("was empty")) {
            map.put("user", "ann");
            assertThat(scope.check().threadLocals()).singleElement().asString().contains(", was empty");
        }
        try (LeakScope scope = detector.open("grew")) {
            map.put("tenant", "acme");
            assertThat(scope.check().threadLocals()).singleElement().asString().contains(", grew from 1");
        }
        try (LeakScope scope = detector.open("unchanged")) {
            map.put("user", "bob"); // replaced, not grown: what was there before is not the test's
            assertThat(scope.check().threadLocals()).isEmpty();
        }
    }

    @Test
    void ignoredDeclaringField_isNeitherLeakNorNote() {
        LeakDetector ignoring = LeakDetector.builder().checks(EnumSet.of(LeakCheck.THREAD_LOCALS))
                .ignoreThreadLocal(getClass().getName() + ".CONTEXT").build();
        try (LeakScope scope = ignoring.open("ignored")) {
            CONTEXT.set(new Session());
            LeakReport report = scope.check();

            assertThat(report.threadLocals()).isEmpty();
            assertThat(report.notes()).isEmpty();
        }
    }

    @Test
    void strictDetector_reportsNotesAsLeaks() {
        LeakDetector strict = LeakDetector.builder().checks(EnumSet.of(LeakCheck.THREAD_LOCALS)).strict(true).build();
        try (LeakScope scope = strict.open("strict")) {
            CONTEXT.set(new SoftReference<>(new Session()));

            assertThat(scope.check().threadLocals()).singleElement().asString().contains("CONTEXT");
        }
    }

    @Test
    void catalogEntryAddedByTheUser_turnsItsLibrarysEntryIntoANote() {
        LeakDetector withCatalog = LeakDetector.builder().checks(EnumSet.of(LeakCheck.THREAD_LOCALS))
                .knownBehavior(KnownBehavior.threadLocal("Acme", ".*ThreadLocalRulesTest\\.CONTEXT",
                        "one session per worker by design", "nothing"))
                .build();
        try (LeakScope scope = withCatalog.open("catalog")) {
            CONTEXT.set(new Session());
            LeakReport report = scope.check();

            assertThat(report.threadLocals()).isEmpty();
            assertThat(report.notes()).singleElement().asString()
                    .endsWith("[Acme]: one session per worker by design; what to do: nothing");
        }
    }

    @Test
    void jdkNioBufferCache_onASharedThread_isAJdkNote(@TempDir Path directory) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(task -> new Thread(task, "rules-shared"));
        try {
            // The thread exists before the scope, as a pool's does.
            Thread shared = pool.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            ThreadLocalMaps maps = ThreadLocalMaps.create();
            int entriesBefore = maps.entries(shared).size();
            try (LeakScope scope = detector.open("jdk cache")) {
                // A gathering write of heap buffers: the JDK caches an I/O vector and direct buffers per thread.
                pool.submit(() -> gatheringWrite(directory.resolve("out"))).get(10, TimeUnit.SECONDS);
                LeakReport report = scope.check();

                assertThat(report.threadLocals()).isEmpty();
                // JDK 17 keeps those caches in ThreadLocals; JDK 25 keeps none for this write. Only the JDK ran on
                // this thread in the scope, so any entry it added is the JDK's: then it must be a JDK note.
                if (maps.entries(shared).size() > entriesBefore) {
                    assertThat(report.notes()).anySatisfy(note -> assertThat(note.source()).startsWith("JDK"));
                }
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static long gatheringWrite(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            return channel.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[] {1}), ByteBuffer.wrap(new byte[] {2})});
        }
    }

    @Test
    void nettyFastThreadLocal_setInsideAnExistingMap_isALeakNamedByItsField() {
        InternalThreadLocalMap.get(); // the one real ThreadLocal entry exists before the test
        try (LeakScope scope = detector.open("fast")) {
            FAST_SESSION.set(new Session());

            assertThat(scope.check().threadLocals()).singleElement().asString()
                    .startsWith("static " + getClass().getName() + ".FAST_SESSION (io.netty.util.concurrent"
                            + ".FastThreadLocal #")
                    .contains("holds dev.steadfast.leak.ThreadLocalRulesTest$Session");
        }
    }

    @Test
    void nettyMapAlone_isANote_andARemovedFastThreadLocal_isClean() {
        try (LeakScope scope = detector.open("netty map")) {
            FAST_SESSION.set(new Session());
            FAST_SESSION.remove();
            LeakReport report = scope.check();

            assertThat(report.threadLocals()).isEmpty();
            assertThat(report.notes()).singleElement().extracting(LeakNote::source).isEqualTo("Netty");
        }
    }

    /** The application's own type, as request-scoped state would be. */
    static final class Session {
    }
}
