package dev.steadfast.websocket;

import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.InternalThreadLocalMap;
import java.util.function.Supplier;

/**
 * Keeps Netty's per-thread cache off the caller's threads. Netty code run by a plain thread (building a pipeline in
 * {@code bind}, for one) stores an {@code InternalThreadLocalMap} in a ThreadLocal of that thread and never removes
 * it; on a pooled or container thread that is a classic ThreadLocal leak. The hub's blocking entry points run through
 * here and remove the map again when the call created it.
 */
final class CallerThreads {

    private CallerThreads() {
    }

    static <T> T call(Supplier<T> action) {
        if (Thread.currentThread() instanceof FastThreadLocalThread || InternalThreadLocalMap.getIfSet() != null) {
            // Netty's own thread, or the caller already had the map: not ours to remove.
            return action.get();
        }
        try {
            return action.get();
        } finally {
            InternalThreadLocalMap.remove();
        }
    }

    static void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }
}
