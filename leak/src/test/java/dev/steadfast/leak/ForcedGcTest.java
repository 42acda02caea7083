package dev.steadfast.leak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.ref.WeakReference;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ForcedGcTest {

    private static final Duration GENEROUS = Duration.ofSeconds(20);

    @Test
    void collect_unreachableObject_isReclaimedAndCollectionConfirmed() {
        WeakReference<Object> dropped = new WeakReference<>(allocate());

        boolean confirmed = ForcedGc.collect(GENEROUS);

        assertThat(confirmed).isTrue();
        assertThat(dropped.refersTo(null)).as("object dropped before the collection is gone").isTrue();
    }

    @Test
    void collect_stronglyHeldObject_survives() {
        Object held = new Object();
        WeakReference<Object> ref = new WeakReference<>(held);

        assertThat(ForcedGc.collect(GENEROUS)).isTrue();

        assertThat(ref.refersTo(held)).isTrue();
    }

    @Test
    void usedHeapAfterCollect_dropsWhenLargeArrayIsReleased() {
        byte[][] big = {new byte[32 * 1024 * 1024]};
        long withArray = ForcedGc.usedHeapAfterCollect(GENEROUS);
        assertThat(big[0]).hasSize(32 * 1024 * 1024);
        big[0] = null;

        long withoutArray = ForcedGc.usedHeapAfterCollect(GENEROUS);

        assertThat(withArray - withoutArray).isGreaterThan(24L * 1024 * 1024);
    }

    @Test
    void collect_zeroTimeout_isRejected() {
        assertThatThrownBy(() -> ForcedGc.collect(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be positive: PT0S");
    }

    @Test
    void collect_negativeTimeout_isRejected() {
        assertThatThrownBy(() -> ForcedGc.usedHeapAfterCollect(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be positive: PT-1S");
    }

    private static Object allocate() {
        return new int[16];
    }
}
