package dev.steadfast.doctor;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A JVM the doctor works on: attached through the Attach API, reached through its local JMX connector (the one
 * {@code jconsole} uses: loopback only, started by the JDK's own management agent if it is not running yet), then
 * detached. Everything the doctor reads goes through {@link #connection()}, the same {@code MBeanServerConnection}
 * code path the diagnostics and leak modules use on their own JVM.
 *
 * <p>What attaching leaves in the target: the JVM's "Attach Listener" thread and its {@code /tmp/.java_pid<pid>}
 * socket (as for jstack or jcmd) and, when the local connector was not running, the connector itself (threads
 * "RMI TCP Accept-0" and "RMI Scheduler(0)"): the JDK offers no way to stop it. No agent library is loaded and no file
 * is written. {@link #startedLocalConnector()} says whether the doctor started the connector.
 *
 * <pre>{@code
 * try (AttachedJvm jvm = AttachedJvm.attach(4242)) {
 *     DeadlockReport report = Deadlocks.analyze(jvm.connection());
 * }
 * }</pre>
 */
final class AttachedJvm implements AutoCloseable {

    static final String LOCAL_CONNECTOR_ADDRESS = "com.sun.management.jmxremote.localConnectorAddress";

    private final long pid;
    private final String description;
    private final String mainClass;
    private final boolean startedLocalConnector;
    private final JMXConnector connector;
    private final MBeanServerConnection connection;
    private final Instant processStart;

    private AttachedJvm(long pid, String description, String mainClass, boolean startedLocalConnector,
                        JMXConnector connector, Instant processStart) throws IOException {
        this.pid = pid;
        this.description = description;
        this.mainClass = mainClass;
        this.startedLocalConnector = startedLocalConnector;
        this.connector = connector;
        this.connection = connector.getMBeanServerConnection();
        this.processStart = processStart;
    }

    /**
     * Checks the pid, attaches, reads the target's system properties, obtains its local JMX connector and connects.
     *
     * @throws DoctorException with the exit code of whatever made it fail
     */
    static AttachedJvm attach(long pid) {
        ProcessHandle process = TargetProcess.check(pid);
        VirtualMachine vm = attachVm(process);
        String address;
        boolean started = false;
        Properties properties;
        try {
            properties = vm.getSystemProperties();
            TargetProcess.checkSupported(pid, properties);
            address = vm.getAgentProperties().getProperty(LOCAL_CONNECTOR_ADDRESS);
            if (address == null) {
                address = vm.startLocalManagementAgent();
                started = true;
            }
        } catch (IOException e) {
            throw gone(pid, process, e);
        } finally {
            detach(vm);
        }
        try {
            JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
            return new AttachedJvm(pid, TargetProcess.describe(properties), mainClass(properties), started,
                    connector, process.info().startInstant().orElse(null));
        } catch (IOException e) {
            throw gone(pid, process, e);
        }
    }

    private static VirtualMachine attachVm(ProcessHandle process) {
        long pid = process.pid();
        try {
            return VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException | IOException e) {
            if (!process.isAlive()) {
                throw new DoctorException(ExitCode.TARGET_GONE, "pid " + pid + " ended while the doctor attached");
            }
            throw new DoctorException(ExitCode.ATTACH_REFUSED, "cannot attach to pid " + pid + ": "
                    + oneLine(e) + " (is it a JVM of this user, started without -XX:+DisableAttachMechanism,"
                    + " with a writable /tmp?)", e);
        }
    }

    private static void detach(VirtualMachine vm) {
        try {
            vm.detach();
        } catch (IOException e) {
            // Detaching closes our end of the socket; the target cleans up its side whatever happens here.
        }
    }

    static DoctorException gone(long pid, ProcessHandle process, Exception cause) {
        if (process == null || !process.isAlive()) {
            return new DoctorException(ExitCode.TARGET_GONE, "pid " + pid + " ended while the doctor was working on"
                    + " it", cause);
        }
        return new DoctorException(ExitCode.TARGET_GONE, "pid " + pid + " stopped answering: " + oneLine(cause),
                cause);
    }

    /** Turns a connection failure met later (while sampling) into the one-line exit. */
    DoctorException gone(Exception cause) {
        return gone(pid, ProcessHandle.of(pid).orElse(null), cause);
    }

    static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.replaceAll("\\s+", " ").trim();
    }

    private static String mainClass(Properties properties) {
        String command = properties.getProperty("sun.java.command", "").trim();
        return command.isEmpty() ? "?" : command.split("\\s+")[0];
    }

    long pid() {
        return pid;
    }

    MBeanServerConnection connection() {
        return connection;
    }

    /** e.g. {@code OpenJDK 64-Bit Server VM 17.0.15+6} */
    String description() {
        return description;
    }

    String mainClass() {
        return mainClass;
    }

    boolean startedLocalConnector() {
        return startedLocalConnector;
    }

    /** How long the target has run, when the OS says when it started. */
    Duration uptime() {
        return processStart == null ? Duration.ZERO : Duration.between(processStart, Instant.now());
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException e) {
            // The target may already be gone; there is nothing left to release on our side.
        }
    }
}
