package dev.steadfast.leak;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts open scopes JVM-wide, so a scope can tell whether another one was open at any time during its life.
 *
 * <p>This is the module's one piece of static mutable state, on purpose: threads, and the pool threads scopes share,
 * are JVM-wide, so the question "could another scope have touched this shared thread?" is JVM-wide too. It decides
 * only whether a ThreadLocal entry found on a shared pool thread is attributed to the scope (no overlap) or reported
 * as a warning (overlap: it may belong to the other scope).
 */
final class OpenScopes {

    private static final AtomicInteger OPEN = new AtomicInteger();
    private static final AtomicLong OPENED = new AtomicLong();

    private OpenScopes() {
    }

    static Ticket open() {
        boolean othersOpen = OPEN.getAndIncrement() > 0;
        return new Ticket(OPENED.incrementAndGet(), othersOpen);
    }

    /** One scope's registration; {@link #close()} is idempotent. */
    static final class Ticket {
        private final long sequence;
        private final boolean othersOpenAtStart;
        private boolean closed;

        private Ticket(long sequence, boolean othersOpenAtStart) {
            this.sequence = sequence;
            this.othersOpenAtStart = othersOpenAtStart;
        }

        /** @return whether another scope was open when this one opened, or opened since */
        boolean overlapped() {
            return othersOpenAtStart || OPENED.get() != sequence;
        }

        synchronized void close() {
            if (!closed) {
                closed = true;
                OPEN.decrementAndGet();
            }
        }
    }
}
