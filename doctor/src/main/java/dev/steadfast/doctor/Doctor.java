package dev.steadfast.doctor;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code steadfast-doctor}: diagnoses a running JVM that hangs or leaks, from outside, without changing its code.
 * Attaches like {@code jcmd} does, then runs Steadfast's own analyses (class-initialization-aware deadlock detection,
 * class-histogram growth statistics, Shark retention paths) on that JVM.
 *
 * <pre>{@code
 * java -jar steadfast-doctor.jar list
 * java -jar steadfast-doctor.jar hang 4242 --samples 3 --interval 1s
 * java -jar steadfast-doctor.jar leaks 4242 --duration 2m --interval 10s --heap-dump
 * }</pre>
 *
 * <p>Every failure is one line on standard error and a distinct exit code (see {@code ExitCode} and the README); no
 * stack trace is printed.
 */
@Command(name = "steadfast-doctor", mixinStandardHelpOptions = true, version = "steadfast-doctor 0.1.0",
        subcommands = {ListCommand.class, HangCommand.class, LeaksCommand.class},
        description = "Diagnoses a running JVM that hangs or leaks, without changing its code.")
public final class Doctor implements Runnable {

    @picocli.CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * Runs the doctor and exits with its exit code.
     *
     * @param args the command line, e.g. {@code hang 4242 --json}
     */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(execute(out, err, args));
    }

    /**
     * Runs one command line with the given streams and returns the exit code instead of exiting, for programs that
     * run the doctor themselves (the benchmark, a probe).
     *
     * <pre>{@code
     * int code = Doctor.execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), "hang", "4242");
     * }</pre>
     *
     * @param out where reports go
     * @param err where progress, warnings and the one-line failure reason go
     * @param args the command line
     * @return the exit code (0 clean, 1 found, 2 usage, 3 and up: see the README)
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new Doctor());
        commandLine.setOut(out);
        commandLine.setErr(err);
        Map<String, String> codes = new LinkedHashMap<>();
        for (ExitCode code : ExitCode.values()) {
            codes.put(Integer.toString(code.code()), code.meaning());
        }
        for (CommandLine command : commandLine.getSubcommands().values()) {
            command.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        }
        commandLine.setParameterExceptionHandler((exception, arguments) -> {
            CommandLine failed = exception.getCommandLine();
            failed.getErr().println("steadfast-doctor: " + exception.getMessage().replaceAll("\\s+", " ").trim()
                    + " (see " + failed.getCommandSpec().qualifiedName() + " --help)");
            return ExitCode.USAGE.code();
        });
        commandLine.setExecutionExceptionHandler((exception, failed, parseResult) -> {
            if (exception instanceof DoctorException doctor) {
                failed.getErr().println("steadfast-doctor: " + doctor.getMessage());
                return doctor.exitCode().code();
            }
            failed.getErr().println("steadfast-doctor: unexpected failure, please report it: "
                    + exception.getClass().getName() + ": " + AttachedJvm.oneLine(exception));
            return ExitCode.FAILED.code();
        });
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
