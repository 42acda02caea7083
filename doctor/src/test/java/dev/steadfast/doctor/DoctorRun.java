package dev.steadfast.doctor;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletableFuture;

/**
 * One doctor command line run in the test JVM, as a user runs {@code java -jar steadfast-doctor.jar ...}: the exit
 * code and what it printed on each stream.
 *
 * <pre>{@code
 * DoctorRun run = DoctorRun.of("hang", target.pidText(), "--samples", "1");
 * assertThat(run.code()).as(run.toString()).isEqualTo(1);
 * }</pre>
 */
record DoctorRun(int code, String out, String err) {

    static DoctorRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Doctor.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new DoctorRun(code, out.toString(), err.toString());
    }

    /**
     * Starts a run on another thread, for tests that act on the target while the doctor works.
     *
     * @param err receives what the doctor prints on standard error, as it prints it
     */
    static CompletableFuture<DoctorRun> start(StringWriter err, String... args) {
        StringWriter out = new StringWriter();
        return CompletableFuture.supplyAsync(() -> new DoctorRun(
                Doctor.execute(new PrintWriter(out, true), new PrintWriter(err, true), args), out.toString(),
                err.toString()));
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- out ---\n" + out + "\n--- err ---\n" + err;
    }
}
