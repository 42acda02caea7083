package dev.steadfast.leak;

import java.util.Locale;
import java.util.Objects;

/**
 * A class whose live instances grew in step with the iterations of a {@link HeapGrowthDetector} measurement: the
 * likely culprit of a leak, with how many instances and bytes each iteration left behind.
 *
 * <pre>{@code
 * for (ClassGrowth growth : report.growingClasses()) {
 *     System.out.println(growth);   // com.acme.Session: +1.00 instances/iteration (+24.0 bytes/iteration), ...
 * }
 * }</pre>
 *
 * @param className class name as in source ({@code com.acme.Session}, {@code byte[]})
 * @param instancesPerIteration least-squares slope of the live instance count over the measured iterations
 * @param bytesPerIteration least-squares slope of the class's shallow size over the measured iterations
 * @param instancesAtStart live instances at the first checkpoint (after warm-up)
 * @param instancesAtEnd live instances at the last checkpoint
 * @param bytesAtStart shallow bytes at the first checkpoint
 * @param bytesAtEnd shallow bytes at the last checkpoint
 */
public record ClassGrowth(String className, double instancesPerIteration, double bytesPerIteration,
        long instancesAtStart, long instancesAtEnd, long bytesAtStart, long bytesAtEnd) {

    public ClassGrowth {
        Objects.requireNonNull(className, "className");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %+.2f instances/iteration (%+.1f bytes/iteration), %,d -> %,d instances",
                className, instancesPerIteration, bytesPerIteration, instancesAtStart, instancesAtEnd);
    }
}
