package dev.steadfast.doctor;

import java.util.Objects;

/**
 * Why the doctor stopped, as one line for the terminal and an {@link ExitCode}; never shown as a stack trace.
 *
 * <pre>{@code
 * throw new DoctorException(ExitCode.NO_SUCH_PROCESS, "no process with pid 4242 (doctor list shows the JVMs)");
 * }</pre>
 */
final class DoctorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ExitCode exitCode;

    DoctorException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = Objects.requireNonNull(exitCode, "exitCode");
    }

    DoctorException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = Objects.requireNonNull(exitCode, "exitCode");
    }

    ExitCode exitCode() {
        return exitCode;
    }
}
