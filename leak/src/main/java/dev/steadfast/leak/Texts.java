package dev.steadfast.leak;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/** Formatting shared by the report types. */
final class Texts {

    /** Hidden lambda classes: {@code Foo$$Lambda$8+0x...} (JDK 17 dumps), {@code Foo$$Lambda/0x...} (JDK 21+). */
    private static final Pattern LAMBDA_SUFFIX = Pattern.compile("\\$\\$Lambda[$/+].*");

    /** Enough frames to see the user's code under executor and framework frames, few enough to stay readable. */
    static final int MAX_FRAMES = 24;

    private Texts() {
    }

    /**
     * Appends frames as {@code at pkg.Type.method(File.java:12)}, without the module/loader prefixes of
     * {@link StackTraceElement#toString()}, stopping at reflection and test-framework frames: below them is only
     * the framework that called the user's code.
     */
    static void appendFrames(StringBuilder out, String indent, List<StackTraceElement> frames, int max) {
        int shown = 0;
        while (shown < frames.size() && shown < max && !isFrameworkFrame(frames.get(shown))) {
            out.append(indent).append("at ").append(frame(frames.get(shown))).append('\n');
            shown++;
        }
        if (frames.size() > shown) {
            out.append(indent).append("... ").append(frames.size() - shown).append(" more\n");
        }
    }

    static String frame(StackTraceElement frame) {
        String location;
        if (frame.isNativeMethod()) {
            location = "Native Method";
        } else if (frame.getFileName() == null) {
            location = "Unknown Source";
        } else if (frame.getLineNumber() >= 0) {
            location = frame.getFileName() + ":" + frame.getLineNumber();
        } else {
            location = frame.getFileName();
        }
        return frame.getClassName() + "." + frame.getMethodName() + "(" + location + ")";
    }

    /** The test runner and reflection that called the user's code: nothing below them is the user's. */
    static boolean isFrameworkFrame(StackTraceElement frame) {
        String type = frame.getClassName();
        return type.startsWith("jdk.internal.reflect.") || type.startsWith("java.lang.reflect.")
                || type.startsWith("org.junit.") || type.startsWith("org.apache.maven.surefire.");
    }

    /** A class name as a reader wants it: a lambda is {@code com.acme.Foo$$Lambda}, without its VM-generated id. */
    static String className(String name) {
        return LAMBDA_SUFFIX.matcher(name).replaceFirst("\\$\\$Lambda");
    }

    static String plural(int count, String singular, String plural) {
        return count + " " + (count == 1 ? singular : plural);
    }

    static void appendIndented(StringBuilder out, String indent, String block) {
        for (String line : block.split("\n")) {
            out.append(indent).append(line).append('\n');
        }
    }

    /** {@code 1 s}, {@code 250 ms}: durations as a reader says them. */
    static String duration(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
