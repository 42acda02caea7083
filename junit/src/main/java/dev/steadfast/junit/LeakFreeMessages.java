package dev.steadfast.junit;

import dev.steadfast.leak.LeakReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The failure messages of the extensions: the leak module's report plus what to change in the test to move on, cut
 * to {@value #MAX_LINES} lines with the full report written to a file under {@code target/} that the message names.
 */
final class LeakFreeMessages {

    /** Longest failure message, in lines: IDEs and CI logs show a failure whole, and a pool of leaks must not drown it. */
    static final int MAX_LINES = 60;
    /** Where full reports go, under the module's build directory. */
    static final String REPORT_DIRECTORY = "target/steadfast-leaks";

    private LeakFreeMessages() {
    }

    static String failure(LeakReport report) {
        String full = fullText(report);
        String[] lines = full.split("\n", -1);
        if (lines.length <= MAX_LINES) {
            return full;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < MAX_LINES - 2; i++) {
            out.append(lines[i]).append('\n');
        }
        int more = lines.length - (MAX_LINES - 2);
        Path file = reportFile(report.scopeName());
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, full, StandardCharsets.UTF_8);
            out.append("… ").append(more).append(" more lines; the full report is in ").append(file).append('\n');
        } catch (IOException | RuntimeException e) {
            out.append("… ").append(more).append(" more lines (the full report could not be written to ").append(file)
                    .append(": ").append(e).append(")\n");
        }
        return out.toString();
    }

    private static String fullText(LeakReport report) {
        StringBuilder out = new StringBuilder(report.toString().stripTrailing()).append('\n');
        if (!report.threads().isEmpty()) {
            out.append("\nIf a thread may outlive the test, stop it in @AfterEach, give it more time with "
                    + "@LeakFree(linger = \"2s\"), or ignore it with @LeakFree(ignoreThreads = \"name-regex\").\n");
        }
        if (!report.checksNotRun().isEmpty() && !report.hasLeaks()) {
            out.append("\nA requested check could not run, so the test cannot be called leak-free. Fix what the "
                    + "warnings say, or leave the check out with @LeakFree(checks = ...) or the configuration "
                    + "parameter " + LeakFree.CHECKS_PROPERTY_NAME + ".\n");
        }
        return out.toString();
    }

    /**
     * {@code <basedir>/target/steadfast-leaks/<test>.txt}: Maven's Surefire and Failsafe set {@code basedir} to the
     * module; elsewhere (an IDE) the working directory stands in for it.
     */
    static Path reportFile(String scopeName) {
        String safe = scopeName.replaceAll("[^A-Za-z0-9._$-]", "_");
        if (safe.length() > 150) {
            safe = safe.substring(0, 150);
        }
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).resolve(REPORT_DIRECTORY)
                .resolve(safe + ".txt").toAbsolutePath();
    }
}
