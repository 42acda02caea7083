package dev.steadfast.leak;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Groups leaked threads that are one pool's workers - same creation site, same name once its numbers are masked
 * ({@code pool-3-thread-#}) - so a pool of eight leaked workers reads as one block: the count, the names, one stack
 * and one creation site, instead of eight copies.
 */
final class ThreadLeakGroups {

    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final int NAMES_SHOWN = 8;

    private ThreadLeakGroups() {
    }

    /** @return the threads grouped, each group in the order of its first thread */
    static List<List<ThreadLeak>> group(List<ThreadLeak> threads) {
        Map<List<Object>, List<ThreadLeak>> groups = new LinkedHashMap<>();
        for (ThreadLeak leak : threads) {
            List<Object> key = List.of(DIGITS.matcher(leak.name()).replaceAll("#"), leak.creationSite(), leak.daemon());
            groups.computeIfAbsent(key, ignored -> new ArrayList<>()).add(leak);
        }
        return new ArrayList<>(groups.values());
    }

    /** Appends one group: a single thread as {@link ThreadLeak#toString()}, a pool as one block with its names. */
    static void append(StringBuilder out, String indent, List<ThreadLeak> group) {
        if (group.size() == 1) {
            Texts.appendIndented(out, indent, group.get(0).toString());
            return;
        }
        ThreadLeak first = group.get(0);
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < group.size() && i < NAMES_SHOWN; i++) {
            names.append(i == 0 ? "" : ", ").append('"').append(group.get(i).name()).append('"');
        }
        if (group.size() > NAMES_SHOWN) {
            names.append(", … ").append(group.size() - NAMES_SHOWN).append(" more");
        }
        out.append(indent).append(group.size()).append(" threads of one pool (")
                .append(first.daemon() ? "daemon" : "non-daemon: they keep the JVM from exiting").append("): ")
                .append(names).append('\n');
        out.append(indent).append("  the first, \"").append(first.name()).append("\" (").append(first.state())
                .append("), is at\n");
        Texts.appendFrames(out, indent + "    ", first.stack(), Texts.MAX_FRAMES);
        if (!first.creationSite().isEmpty()) {
            out.append(indent).append("  all started by thread \"").append(first.createdBy().orElse("?"))
                    .append("\" at\n");
            CreationSiteFormat.append(out, indent + "    ", first.creationSite(), Texts.MAX_FRAMES);
        }
    }
}
