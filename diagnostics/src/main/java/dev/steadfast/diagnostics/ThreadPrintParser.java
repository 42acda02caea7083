package dev.steadfast.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the class-initialization facts out of the text of the JVM's {@code Thread.print} diagnostic command, the only
 * place the JVM reports them. Verified wording (JDK 17 and JDK 25):
 * <pre>
 * "init-a" #12 daemon prio=5 os_prio=0 ... in Object.wait()  [0x...]        (JDK 21+: "init-a" #12 [7081] daemon ...)
 *    java.lang.Thread.State: RUNNABLE
 * 	at Exp$A.&lt;clinit&gt;(Exp.java:6)
 * 	- waiting on the Class initialization monitor for Exp$B
 * </pre>
 * JVM-internal threads (no {@code #id}) are skipped.
 */
final class ThreadPrintParser {

    static final String CLASS_INIT_WAIT = "- waiting on the Class initialization monitor for ";

    private static final Pattern HEADER = Pattern.compile("^\"(.*)\" #(\\d+)(?:\\s.*)?$");
    private static final Pattern CLINIT_FRAME = Pattern.compile("^\\s+at (\\S+)\\.<clinit>\\(.*$");

    /** One Java thread as the text shows it. */
    record TextThread(long id, String name, List<String> initializing, List<String> waitsForClasses) {
    }

    private ThreadPrintParser() {
    }

    static List<TextThread> parse(String threadPrint) {
        List<TextThread> threads = new ArrayList<>();
        long id = -1;
        String name = null;
        Set<String> initializing = new LinkedHashSet<>();
        List<String> waits = new ArrayList<>();
        for (String line : threadPrint.split("\\R")) {
            if (line.startsWith("\"")) {
                if (name != null) {
                    threads.add(new TextThread(id, name, List.copyOf(initializing), List.copyOf(waits)));
                }
                Matcher header = HEADER.matcher(line);
                if (header.matches()) {
                    name = header.group(1);
                    id = Long.parseLong(header.group(2));
                } else {
                    name = null;
                }
                initializing.clear();
                waits.clear();
                continue;
            }
            if (name == null) {
                continue;
            }
            Matcher clinit = CLINIT_FRAME.matcher(line);
            if (clinit.matches()) {
                initializing.add(clinit.group(1));
                continue;
            }
            int wait = line.indexOf(CLASS_INIT_WAIT);
            if (wait >= 0) {
                String className = line.substring(wait + CLASS_INIT_WAIT.length()).trim();
                if (!className.isEmpty()) {
                    waits.add(className);
                }
            }
        }
        if (name != null) {
            threads.add(new TextThread(id, name, List.copyOf(initializing), List.copyOf(waits)));
        }
        return threads;
    }
}
