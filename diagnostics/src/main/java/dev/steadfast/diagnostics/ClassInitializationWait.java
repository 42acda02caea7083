package dev.steadfast.diagnostics;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A thread blocked until another thread finishes initializing a class (running its static initializer,
 * {@code <clinit>}). The JVM's own deadlock detector does not see these waits; they are read from the JVM's
 * in-process thread dump. A wait is reported whether or not it is part of a deadlock: a static initializer blocked
 * on I/O stalls every thread that touches its class.
 *
 * <pre>{@code
 * for (ClassInitializationWait wait : Deadlocks.classInitializationWaits()) {
 *     log.warn("{}", wait);
 *     // "step-b" #32 waits for class com.example.Cache to be initialized by "step-a" #31
 * }
 * }</pre>
 *
 * @param waiterThreadId   id of the waiting thread
 * @param waiterThreadName name of the waiting thread
 * @param className        binary name of the class being waited for
 * @param ownerThreadId    id of the thread with {@code className.<clinit>} on its stack, if one was found (it may not
 *                         have entered {@code <clinit>} yet, e.g. while it initializes a superclass)
 * @param ownerThreadName  name of that thread, present exactly when {@code ownerThreadId} is
 */
public record ClassInitializationWait(long waiterThreadId, String waiterThreadName, String className,
                                      OptionalLong ownerThreadId, Optional<String> ownerThreadName) {

    /**
     * Checks presence of every component and that owner id and name come together.
     *
     * @param waiterThreadId   id of the waiting thread
     * @param waiterThreadName name of the waiting thread
     * @param className        binary name of the awaited class
     * @param ownerThreadId    id of the initializing thread, if found
     * @param ownerThreadName  name of the initializing thread, present exactly when its id is
     * @throws IllegalArgumentException if only one of owner id and owner name is present
     */
    public ClassInitializationWait {
        Objects.requireNonNull(waiterThreadName, "waiterThreadName");
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(ownerThreadId, "ownerThreadId");
        Objects.requireNonNull(ownerThreadName, "ownerThreadName");
        if (ownerThreadId.isPresent() != ownerThreadName.isPresent()) {
            throw new IllegalArgumentException("ownerThreadId and ownerThreadName must be both present or both empty: "
                    + ownerThreadId + ", " + ownerThreadName);
        }
    }

    /** @return e.g. {@code "step-b" #32 waits for class com.example.Cache to be initialized by "step-a" #31} */
    @Override
    public String toString() {
        String waiter = ThreadSnapshot.label(waiterThreadName, waiterThreadId);
        if (ownerThreadId.isPresent()) {
            return waiter + " waits for class " + className + " to be initialized by "
                    + ThreadSnapshot.label(ownerThreadName.orElseThrow(), ownerThreadId.getAsLong());
        }
        return waiter + " waits for class " + className + " to be initialized (initializing thread not found)";
    }
}
