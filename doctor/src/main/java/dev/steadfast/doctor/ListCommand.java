package dev.steadfast.doctor;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code steadfast-doctor list}: the JVMs of this user it can attach to, with pid, main class, uptime and heap used.
 * The heap figure comes from the {@code GC.heap_info} diagnostic command sent over the attach channel (as
 * {@code jcmd} does): no management agent is started in the listed JVMs.
 *
 * <pre>{@code
 * $ java -jar steadfast-doctor.jar list
 *     PID  UPTIME   HEAP USED  MAIN CLASS
 *    4242  3h12m      212.4 MB  com.acme.OrderService
 * }</pre>
 */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "Lists the JVMs it can attach to: pid, main class, uptime, heap used.")
final class ListCommand implements Callable<Integer> {

    private static final Pattern USED_AFTER = Pattern.compile("used (\\d+)([KMG])");
    private static final Pattern USED_BEFORE = Pattern.compile("(\\d+)([KMG]) used");

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** One listed JVM. */
    record Row(long pid, String mainClass, Duration uptime, OptionalLong heapUsedBytes) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Row> rows = rows();
        out.printf(Locale.ROOT, "%8s  %-8s %11s  %s%n", "PID", "UPTIME", "HEAP USED", "MAIN CLASS");
        boolean heapMissing = false;
        for (Row row : rows) {
            heapMissing |= row.heapUsedBytes().isEmpty();
            out.printf(Locale.ROOT, "%8d  %-8s %11s  %s%n", row.pid(), DurationConverter.format(row.uptime()),
                    row.heapUsedBytes().isPresent() ? Sizes.bytes(row.heapUsedBytes().getAsLong()) : "-",
                    row.mainClass());
        }
        if (rows.isEmpty()) {
            out.println("(no JVM of this user found)");
        }
        if (heapMissing) {
            out.println("- : heap not readable (attach refused, or run as java -jar steadfast-doctor.jar, whose"
                    + " manifest opens the attach channel's jcmd call)");
        }
        return ExitCode.CLEAN.code();
    }

    static List<Row> rows() {
        long self = ProcessHandle.current().pid();
        List<Row> rows = new ArrayList<>();
        for (VirtualMachineDescriptor descriptor : TargetProcess.listJvms()) {
            long pid;
            try {
                pid = Long.parseLong(descriptor.id());
            } catch (NumberFormatException e) {
                continue;
            }
            if (pid == self) {
                continue;
            }
            Duration uptime = ProcessHandle.of(pid).flatMap(p -> p.info().startInstant())
                    .map(start -> Duration.ofSeconds(Duration.between(start, Instant.now()).toSeconds()))
                    .orElse(Duration.ZERO);
            String name = descriptor.displayName().isBlank() ? "?" : descriptor.displayName().split("\\s+")[0];
            rows.add(new Row(pid, name, uptime, heapUsed(descriptor)));
        }
        rows.sort(Comparator.comparingLong(Row::pid));
        return rows;
    }

    private static OptionalLong heapUsed(VirtualMachineDescriptor descriptor) {
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(descriptor);
        } catch (Exception e) {
            // Listing goes on: this JVM is shown without its heap figure, and the footnote says why.
            return OptionalLong.empty();
        }
        try {
            Method jcmd = vm.getClass().getMethod("executeJCmd", String.class);
            try (InputStream in = (InputStream) jcmd.invoke(vm, "GC.heap_info")) {
                return parseHeapUsed(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (ReflectiveOperationException | RuntimeException | java.io.IOException e) {
            // Not exported to us (run without the jar's manifest) or refused: shown as "-", explained below the table.
            return OptionalLong.empty();
        } finally {
            try {
                vm.detach();
            } catch (java.io.IOException e) {
                // Closing our end only.
            }
        }
    }

    /** Adds up the "used" figures of the heap's generations or regions in {@code GC.heap_info} (any collector). */
    static OptionalLong parseHeapUsed(String heapInfo) {
        long total = 0;
        boolean found = false;
        for (String line : heapInfo.split("\\R")) {
            if (line.contains("Metaspace") || line.contains("class space") || line.startsWith("  ")) {
                continue;
            }
            Matcher matcher = USED_AFTER.matcher(line);
            if (!matcher.find()) {
                matcher = USED_BEFORE.matcher(line);
                if (!matcher.find()) {
                    continue;
                }
            }
            long amount = Long.parseLong(matcher.group(1));
            total += switch (matcher.group(2)) {
                case "K" -> amount << 10;
                case "M" -> amount << 20;
                default -> amount << 30;
            };
            found = true;
        }
        return found ? OptionalLong.of(total) : OptionalLong.empty();
    }
}
