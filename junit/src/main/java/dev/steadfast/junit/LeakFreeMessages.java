package dev.steadfast.junit;

import dev.steadfast.leak.LeakReport;

/** The failure messages of the extensions: the leak module's report plus what to change in the test to move on. */
final class LeakFreeMessages {

    private LeakFreeMessages() {
    }

    static String failure(LeakReport report) {
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
}
