package dev.steadfast.doctor;

/**
 * The doctor's exit codes, one per outcome a script or probe may want to tell apart. The table in the README is this
 * enum, in this order.
 *
 * <pre>{@code
 * steadfast-doctor hang 4242 --json > hang.json; echo $?   # 1: a deadlock was found
 * }</pre>
 */
enum ExitCode {
    /** Ran to the end and found nothing wrong. */
    CLEAN(0, "ran to the end, found nothing"),
    /** Ran to the end and found a deadlock or stall ({@code hang}) or growth ({@code leaks}). */
    FOUND(1, "found a deadlock or class-initialization stall (hang), or growth (leaks)"),
    /** The command line is wrong (picocli's own code for usage errors). */
    USAGE(2, "bad command line"),
    /** No process has that pid. */
    NO_SUCH_PROCESS(3, "no process with that pid"),
    /** The process belongs to another user, whose JVM refuses attaching from this one. */
    OTHER_USER(4, "the process belongs to another user"),
    /** The process is not a JVM, not HotSpot-based, or older than the doctor supports. */
    UNSUPPORTED_JVM(5, "not a JVM, not HotSpot, or too old"),
    /** The JVM refuses to be attached to (started with -XX:+DisableAttachMechanism, or attaching failed). */
    ATTACH_REFUSED(6, "attach disabled or refused"),
    /** The JVM ended (or stopped answering) while the doctor was working on it. */
    TARGET_GONE(7, "the JVM ended while the doctor was working"),
    /** The directory for the heap dump cannot be written. */
    DUMP_DIR_UNWRITABLE(8, "the heap-dump directory cannot be written"),
    /** Anything else: a one-line reason is printed; please report it. */
    FAILED(9, "unexpected failure");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    int code() {
        return code;
    }

    String meaning() {
        return meaning;
    }
}
