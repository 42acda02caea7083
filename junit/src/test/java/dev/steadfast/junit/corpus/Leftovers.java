package dev.steadfast.junit.corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * What the leaky scenarios leave behind on purpose (threads, registry entries, hooks), undone by {@link Corpus#run}
 * once the verdict is in, so the test JVM ends as clean as it started. Static because a fixture instance is gone by
 * the time the verdict is known; only the corpus uses it.
 */
public final class Leftovers {

    private static final ConcurrentLinkedDeque<AutoCloseable> PENDING = new ConcurrentLinkedDeque<>();

    private Leftovers() {
    }

    /** Registers {@code cleanup} to run after the current scenario's verdict. */
    public static void undoAfterVerdict(AutoCloseable cleanup) {
        PENDING.push(cleanup);
    }

    /** Runs every registered cleanup, last registered first. */
    public static void undoAll() {
        List<Exception> failures = new ArrayList<>();
        AutoCloseable cleanup;
        while ((cleanup = PENDING.poll()) != null) {
            try {
                cleanup.close();
            } catch (Exception e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("could not undo " + failures.size()
                    + " scenario leftovers");
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }
}
