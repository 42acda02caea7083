package dev.steadfast.leak;

import java.time.Duration;
import java.util.List;

/** Formatting shared by the report types. */
final class Texts {

    /** Enough frames to see the user's code under executor and framework frames, few enough to stay readable. */
    static final int MAX_FRAMES = 24;

    private Texts() {
    }

    static void appendFrames(StringBuilder out, String indent, List<StackTraceElement> frames, int max) {
        int shown = Math.min(max, frames.size());
        for (int i = 0; i < shown; i++) {
            out.append(indent).append("at ").append(frames.get(i)).append('\n');
        }
        if (frames.size() > shown) {
            out.append(indent).append("... ").append(frames.size() - shown).append(" more\n");
        }
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
