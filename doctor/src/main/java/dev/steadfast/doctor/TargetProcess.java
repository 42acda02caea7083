package dev.steadfast.doctor;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The checks made before attaching, each ending in its own {@link ExitCode}: the pid exists, belongs to this user,
 * runs a JVM with attaching enabled, and (once attached) that JVM is HotSpot-based and recent enough. Attaching to a
 * JVM started with {@code -XX:+DisableAttachMechanism} would make it print a thread dump on its console (the attach
 * signal is SIGQUIT), so that case is recognised from the command line first.
 *
 * <pre>{@code
 * ProcessHandle process = TargetProcess.check(4242);        // throws DoctorException with the reason
 * TargetProcess.checkSupported(4242, vm.getSystemProperties());
 * }</pre>
 */
final class TargetProcess {

    /** Oldest Java feature version accepted (the analysis is tested on 17 and 25). */
    static final int MIN_FEATURE_VERSION = 11;
    static final String DISABLE_ATTACH = "-XX:+DisableAttachMechanism";

    private TargetProcess() {
    }

    /** Checks everything that can be checked without attaching; returns the live process. */
    static ProcessHandle check(long pid) {
        if (pid <= 0) {
            throw new DoctorException(ExitCode.USAGE, "pid must be a positive number: " + pid);
        }
        if (pid == ProcessHandle.current().pid()) {
            throw new DoctorException(ExitCode.USAGE, "pid " + pid + " is the doctor itself; give the pid of the JVM"
                    + " to examine (steadfast-doctor list shows them)");
        }
        ProcessHandle process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElseThrow(
                () -> new DoctorException(ExitCode.NO_SUCH_PROCESS, "no process with pid " + pid
                        + " (steadfast-doctor list shows the JVMs it can attach to)"));
        checkOwner(pid, process.info().user(), ProcessHandle.current().info().user());
        boolean listed = isListedJvm(pid);
        String command = process.info().command().orElse("");
        if (!listed && !looksLikeJava(command)) {
            throw new DoctorException(ExitCode.UNSUPPORTED_JVM, "pid " + pid + " is not a Java virtual machine"
                    + (command.isEmpty() ? "" : " (it runs " + command + ")"));
        }
        if (attachDisabled(process)) {
            throw new DoctorException(ExitCode.ATTACH_REFUSED, "pid " + pid + " was started with " + DISABLE_ATTACH
                    + ", so no tool can attach to it; restart it without that flag (jstack and jcmd cannot attach"
                    + " either)");
        }
        return process;
    }

    /**
     * A JVM answers an attach only from its own user or root; anything else would end in the JVM's own refusal (or a
     * timeout), which says less. Unknown owners are let through: the attach attempt then says what is wrong.
     */
    static void checkOwner(long pid, Optional<String> owner, Optional<String> me) {
        if (owner.isPresent() && me.isPresent() && !owner.get().equals(me.get()) && !"root".equals(me.get())) {
            throw new DoctorException(ExitCode.OTHER_USER, "pid " + pid + " belongs to user '" + owner.get()
                    + "' and a JVM accepts attaching only from its own user: run the doctor as that user, e.g."
                    + " sudo -u " + owner.get() + " java -jar steadfast-doctor.jar ...");
        }
    }

    /** Checks what only the attached JVM can tell: vendor implementation and version. */
    static void checkSupported(long pid, Properties systemProperties) {
        String vmName = systemProperties.getProperty("java.vm.name", "");
        String version = systemProperties.getProperty("java.specification.version", "");
        if (!isHotSpot(vmName)) {
            throw new DoctorException(ExitCode.UNSUPPORTED_JVM, "pid " + pid + " runs " + describe(systemProperties)
                    + ", not a HotSpot-based JVM: the doctor reads HotSpot's diagnostic commands (use the vendor's"
                    + " own tools, e.g. OpenJ9's jdmpview)");
        }
        int feature = featureVersion(version);
        if (feature < MIN_FEATURE_VERSION) {
            throw new DoctorException(ExitCode.UNSUPPORTED_JVM, "pid " + pid + " runs " + describe(systemProperties)
                    + ": the doctor needs Java " + MIN_FEATURE_VERSION + " or later (tested on 17 and 25);"
                    + " on older JVMs use jstack -l and jcmd GC.class_histogram");
        }
    }

    static boolean isHotSpot(String vmName) {
        return vmName.contains("HotSpot") || vmName.startsWith("OpenJDK");
    }

    static int featureVersion(String specificationVersion) {
        String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        try {
            return Integer.parseInt(v.split("\\.")[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String describe(Properties systemProperties) {
        return systemProperties.getProperty("java.vm.name", "an unknown VM") + " "
                + systemProperties.getProperty("java.vm.version", systemProperties.getProperty("java.version", ""));
    }

    /**
     * The JVMs the Attach API lists (from their performance-data files). Serialised: the JDK's lookup of its
     * performance-data provider fails with an {@link InternalError} when two threads list at once.
     *
     * @return the list; empty when it cannot be read (the pid checks then rely on the process's command)
     */
    static synchronized List<VirtualMachineDescriptor> listJvms() {
        try {
            return VirtualMachine.list();
        } catch (InternalError | RuntimeException e) {
            return List.of();
        }
    }

    private static boolean isListedJvm(long pid) {
        String id = Long.toString(pid);
        for (VirtualMachineDescriptor descriptor : listJvms()) {
            if (descriptor.id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    private static boolean looksLikeJava(String command) {
        String name = Path.of(command.isEmpty() ? "?" : command).getFileName().toString();
        return name.equals("java") || name.equals("javaw") || name.startsWith("java");
    }

    /** The flag on the command line or in the options the launcher reads from the environment. */
    private static boolean attachDisabled(ProcessHandle process) {
        for (String argument : process.info().arguments().orElse(new String[0])) {
            if (argument.equals(DISABLE_ATTACH)) {
                return true;
            }
        }
        for (String variable : environment(process.pid())) {
            if ((variable.startsWith("JAVA_TOOL_OPTIONS=") || variable.startsWith("JDK_JAVA_OPTIONS=")
                    || variable.startsWith("_JAVA_OPTIONS=")) && variable.contains(DISABLE_ATTACH)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> environment(long pid) {
        try {
            byte[] bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
            return List.of(new String(bytes, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            // Not Linux, or not readable: the attach attempt itself will say what is wrong.
            return List.of();
        }
    }
}
