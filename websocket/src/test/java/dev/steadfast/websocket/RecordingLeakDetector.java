package dev.steadfast.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Netty's leak detector with every report recorded, installed for the whole test JVM through the
 * {@code io.netty.customResourceLeakDetector} system property (see the module pom), at paranoid level.
 *
 * <p>A leak is reported when a buffer that was never released has been garbage collected, so
 * {@link #collectAndDrain()} collects and then touches a tracked buffer, which makes the detectors poll.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {

    /** Reports of every detector in the JVM; test-only global by necessity (Netty creates the detectors). */
    private static final Queue<String> REPORTS = new ConcurrentLinkedQueue<>();

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
    }

    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        REPORTS.add(resourceType + " leaked:" + records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        REPORTS.add(resourceType + " leaked (untraced)");
    }

    /** Whether Netty creates this detector at paranoid level (the system properties reached the test JVM). */
    static boolean installed() {
        return ResourceLeakDetector.getLevel() == Level.PARANOID
                && ResourceLeakDetectorFactory.instance().newResourceLeakDetector(ByteBuf.class)
                instanceof RecordingLeakDetector;
    }

    /** Collects garbage, lets the detectors poll, and returns (and clears) every leak reported so far. */
    static List<String> collectAndDrain() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            // Allocation makes the buffer detectors poll their reference queues and report.
            ByteBufAllocator.DEFAULT.heapBuffer(1).release();
            ByteBufAllocator.DEFAULT.directBuffer(1).release();
        }
        List<String> reports = new ArrayList<>();
        for (String report; (report = REPORTS.poll()) != null; ) {
            reports.add(report);
        }
        return reports;
    }
}
