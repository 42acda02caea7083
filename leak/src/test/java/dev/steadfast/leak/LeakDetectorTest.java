package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeakDetectorTest {

    @Test
    void defaults_areTheDocumentedConstants() {
        LeakDetector detector = LeakDetector.ofDefaults();

        assertThat(detector.linger()).isEqualTo(LeakDetector.DEFAULT_LINGER).isEqualTo(Duration.ofSeconds(1));
        assertThat(detector.gcTimeout()).isEqualTo(LeakDetector.DEFAULT_GC_TIMEOUT);
        assertThat(detector.checks()).isEqualTo(EnumSet.allOf(LeakCheck.class));
        assertThat(detector.retentionPaths()).isTrue();
        assertThat(detector.builtInThreadFilters()).isTrue();
        assertThat(detector.threadFilters()).isEmpty();
        assertThat(detector.keepHeapDumps()).isEmpty();
    }

    @Test
    void linger_negative_isRejected() {
        assertThatThrownBy(() -> LeakDetector.builder().linger(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("linger must not be negative: PT-1S");
    }

    @Test
    void linger_zero_isAccepted() {
        assertThat(LeakDetector.builder().linger(Duration.ZERO).build().linger()).isZero();
    }

    @Test
    void gcTimeout_zero_isRejected() {
        assertThatThrownBy(() -> LeakDetector.builder().gcTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("gcTimeout must be positive: PT0S");
    }

    @Test
    void checks_empty_isRejected() {
        assertThatThrownBy(() -> LeakDetector.builder().checks(Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("checks must not be empty: choose at least one of [THREADS, THREAD_LOCALS, RETAINED_OBJECTS]");
    }

    @Test
    void linger_setTwice_isRejected() {
        LeakDetector.Builder builder = LeakDetector.builder().linger(Duration.ofMillis(5));

        assertThatThrownBy(() -> builder.linger(Duration.ofMillis(6)))
                .isInstanceOf(IllegalStateException.class).hasMessage("linger was already set to PT0.005S");
    }

    @Test
    void keepHeapDumps_withoutRetentionPaths_isRejected() {
        LeakDetector.Builder builder = LeakDetector.builder().retentionPaths(false).keepHeapDumps(Path.of("dumps"));

        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                .hasMessage("keepHeapDumps(dumps) needs retentionPaths(true): heap dumps are only taken to compute "
                        + "retention paths");
    }

    @Test
    void from_existing_keepsItsSettings_andLetsEachBeOverriddenOnce() {
        ThreadFilter suiteFilter = thread -> false;
        LeakDetector suite = LeakDetector.builder().linger(Duration.ofMillis(50)).threadFilter(suiteFilter)
                .checks(EnumSet.of(LeakCheck.THREADS)).build();

        LeakDetector method = LeakDetector.from(suite).linger(Duration.ofMillis(10))
                .threadFilter(ThreadFilter.nameStartsWith("x")).build();

        assertThat(method.linger()).isEqualTo(Duration.ofMillis(10));
        assertThat(method.checks()).containsExactly(LeakCheck.THREADS);
        assertThat(method.threadFilters()).hasSize(2).first().isSameAs(suiteFilter);
        assertThat(suite.linger()).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void open_blankName_isRejected() {
        assertThatThrownBy(() -> LeakDetector.ofDefaults().open("  "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("scopeName must not be blank");
    }

    @Test
    void nameStartsWith_emptyPrefix_isRejected() {
        assertThatThrownBy(() -> ThreadFilter.nameStartsWith("ok-", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("thread name prefix must not be empty (it would ignore every thread)");
    }

    @Test
    void builtInFilters_ignoreJvmAndToolThreads_butNotApplicationThreads() {
        assertThat(ThreadFilter.builtIn().ignores(new Thread("Common-Cleaner"))).isTrue();
        assertThat(ThreadFilter.builtIn().ignores(new Thread("surefire-forkedjvm-ping-30s"))).isTrue();
        assertThat(ThreadFilter.builtIn().ignores(new Thread("awaitility-thread"))).isTrue();
        assertThat(ThreadFilter.builtIn().ignores(new Thread("pool-1-thread-1"))).isFalse();
        assertThat(ThreadFilter.builtIn().ignores(new Thread("Thread-7"))).isFalse();
    }
}
