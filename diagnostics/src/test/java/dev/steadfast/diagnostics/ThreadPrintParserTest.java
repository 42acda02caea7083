package dev.steadfast.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.steadfast.diagnostics.ThreadPrintParser.TextThread;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Edge cases of the text format that real JVM runs (see {@link ClassInitializationDeadlockTest}, run on JDK 17 and
 * 25) rarely produce: odd thread names, JVM-internal threads, Windows line ends.
 */
class ThreadPrintParserTest {

    private static final String DUMP = String.join("\n",
            "2026-11-23 18:00:00",
            "Full thread dump OpenJDK 64-Bit Server VM (25.0.3+9-LTS mixed mode, sharing):",
            "",
            "\"step \"db\" #7\" #21 [7081] daemon prio=5 os_prio=0 cpu=0.82ms elapsed=1.25s tid=0x1 nid=7081 "
                    + "in Object.wait()  [0x2]",
            "   java.lang.Thread.State: RUNNABLE",
            "\tat com.example.Pool.<clinit>(Pool.java:6)",
            "\t- waiting on the Class initialization monitor for com.example.Config$Holder",
            "\tat com.example.Main.lambda$main$0(Main.java:10)",
            "",
            "\"VM Thread\" os_prio=0 cpu=1.00ms elapsed=2.00s tid=0x3 nid=7000 runnable",
            "\t- waiting on the Class initialization monitor for must.not.Count",
            "",
            "\"config\" #22 prio=5 os_prio=0 cpu=0.41ms elapsed=1.25s tid=0x4 nid=7082 waiting on condition  [0x5]",
            "   java.lang.Thread.State: TIMED_WAITING (sleeping)",
            "\tat java.lang.Thread.sleep(java.base@17.0.15/Native Method)",
            "\tat com.example.Config$Holder.<clinit>(Config.java:12)",
            "\tat com.example.Config.<clinit>(Config.java:3)",
            "");

    @Test
    void parse_readsWaitsAndInitializersOfJavaThreadsOnly() {
        List<TextThread> threads = ThreadPrintParser.parse(DUMP);

        assertThat(threads).containsExactly(
                new TextThread(21, "step \"db\" #7", List.of("com.example.Pool"),
                        List.of("com.example.Config$Holder")),
                new TextThread(22, "config", List.of("com.example.Config$Holder", "com.example.Config"), List.of()));
    }

    @Test
    void parse_windowsLineEnds_giveTheSameResult() {
        assertThat(ThreadPrintParser.parse(DUMP.replace("\n", "\r\n"))).isEqualTo(ThreadPrintParser.parse(DUMP));
    }
}
