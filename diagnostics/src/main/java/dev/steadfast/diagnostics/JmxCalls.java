package dev.steadfast.diagnostics;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * What every analysis needs to run over an {@link MBeanServerConnection}: the thread MXBean of the JVM behind it, and
 * the connection failure that an MXBean proxy hides in an {@link UndeclaredThrowableException} given back as the
 * {@link IOException} it is.
 *
 * <pre>{@code
 * ThreadMXBean threads = JmxCalls.threadMXBean(connection);
 * long[] ids = JmxCalls.call(threads::findDeadlockedThreads);
 * }</pre>
 */
final class JmxCalls {

    private JmxCalls() {
    }

    /** The platform thread MXBean for this JVM's own server, a proxy otherwise. */
    static ThreadMXBean threadMXBean(MBeanServerConnection connection) throws IOException {
        if (connection == ManagementFactory.getPlatformMBeanServer()) {
            return ManagementFactory.getThreadMXBean();
        }
        return ManagementFactory.newPlatformMXBeanProxy(connection, ManagementFactory.THREAD_MXBEAN_NAME,
                ThreadMXBean.class);
    }

    /** Runs a call on an MXBean (maybe a proxy); a lost connection comes out as the {@link IOException} it is. */
    static <T> T call(Supplier<T> call) throws IOException {
        try {
            return call.get();
        } catch (UndeclaredThrowableException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
    }

    /** The analysed JVM's name ({@code java.vm.name}), for messages; "unknown" when it cannot be read. */
    static String vmName(MBeanServerConnection connection) {
        try {
            return String.valueOf(connection.getAttribute(new ObjectName(ManagementFactory.RUNTIME_MXBEAN_NAME),
                    "VmName"));
        } catch (JMException | IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
