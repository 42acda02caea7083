package dev.steadfast.leak;

import java.util.Objects;

/**
 * Something a scope left behind that is not its leak: a per-thread cache by construction, state the JVM can reclaim,
 * an emptied container, a known library behaviour. Listed in {@link LeakReport#notes()} so nothing is hidden, never
 * failing the check unless the detector is {@linkplain LeakDetector.Builder#strict(boolean) strict}.
 *
 * <pre>{@code
 * report.notes().forEach(note -> System.out.println(note.subject() + ": " + note.why()));
 * }</pre>
 *
 * @param subject  what was left, e.g. the ThreadLocal entry in one line
 * @param source   the catalog entry's library, or the generic rule that applied, e.g. {@code Jackson} or
 *                 {@code rule: soft/weak reference}
 * @param why      why it is not the scope's leak
 * @param whatToDo what to do about it, if anything
 */
public record LeakNote(String subject, String source, String why, String whatToDo) {

    /** Validates the components. */
    public LeakNote {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(why, "why");
        Objects.requireNonNull(whatToDo, "whatToDo");
    }

    /** @return {@code subject [source]: why; what to do: whatToDo} */
    @Override
    public String toString() {
        return subject + " [" + source + "]: " + why + "; what to do: " + whatToDo;
    }
}
