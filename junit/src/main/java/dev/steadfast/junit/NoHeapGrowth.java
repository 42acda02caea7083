package dev.steadfast.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test method's body many times and fails when the live heap grows with the iterations, naming the classes
 * whose instance counts grow and by how many per iteration.
 *
 * <p>The test runs once normally (so a failing body fails as usual), then
 * {@link dev.steadfast.leak.HeapGrowthDetector} runs it again for warm-up and for {@link #iterations()} measured
 * iterations, sampling the live heap after forced collections and fitting its slope. Only the body repeats:
 * {@code @BeforeEach} and {@code @AfterEach} methods run once around all iterations, and the test reports one
 * result. Put per-iteration set-up in the body.
 *
 * <pre>{@code
 * @Test
 * @NoHeapGrowth(iterations = 1_000)
 * void subscribeAndCancel_leavesNothingBehind() {
 *     Subscription subscription = broker.subscribe("prices", message -> { });
 *     subscription.cancel();
 * }
 * }</pre>
 */
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(NoHeapGrowthExtension.class)
public @interface NoHeapGrowth {

    /**
     * Measured iterations, after warm-up; at least 10 (default
     * {@link dev.steadfast.leak.HeapGrowthDetector#DEFAULT_ITERATIONS}). More iterations find smaller leaks: at 1,000
     * one leaked object of a few dozen bytes per iteration stands out.
     *
     * @return measured iterations
     */
    int iterations() default dev.steadfast.leak.HeapGrowthDetector.DEFAULT_ITERATIONS;

    /**
     * Warm-up iterations before measuring (caches fill, classes load, JIT settles); {@code -1} (the default) means
     * the detector's default.
     *
     * @return warm-up iterations, or -1
     */
    int warmupIterations() default -1;

    /**
     * Growth below which the heap counts as stable, in bytes per iteration: the test fails only when the lower bound
     * of the slope's confidence interval is above it. {@code -1} (the default) means the detector's default,
     * {@link dev.steadfast.leak.HeapGrowthDetector#DEFAULT_THRESHOLD_BYTES_PER_ITERATION}.
     *
     * @return the threshold, or -1
     */
    double thresholdBytesPerIteration() default -1;
}
