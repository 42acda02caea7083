package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration file, logging flags, and --help: every option with its default. */
class OperationsOptionsTest {
  @TempDir Path dir;

  private static ServerCommandLine parse(Map<String, String> env, String... args) {
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("STEADFAST_ENVIRONMENT", "development");
    return ServerCommandLine.parse(args, all, new Properties());
  }

  private Path file(String content) throws Exception {
    Path file = dir.resolve("steadfast.properties");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void precedence_flagThenEnvironmentThenFileThenDefault() throws Exception {
    Path config = file("drain-timeout=3s\nstartup-timeout=40s\nleak-window=5m\n");

    ServerConfig fromFile = parse(Map.of(), "--config", config.toString()).config();
    assertThat(fromFile.drainTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(fromFile.startupTimeout()).isEqualTo(Duration.ofSeconds(40));
    assertThat(fromFile.leakWindow()).isEqualTo(Duration.ofMinutes(5));

    ServerConfig envOverFile = parse(Map.of("STEADFAST_DRAIN_TIMEOUT", "4s"), "--config", config.toString()).config();
    assertThat(envOverFile.drainTimeout()).isEqualTo(Duration.ofSeconds(4));

    ServerConfig flagOverAll = parse(Map.of("STEADFAST_DRAIN_TIMEOUT", "4s", "STEADFAST_CONFIG", config.toString()),
        "--drain-timeout", "5s").config();
    assertThat(flagOverAll.drainTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(flagOverAll.startupTimeout()).isEqualTo(Duration.ofSeconds(40));

    assertThat(parse(Map.of()).config().leakWindow()).isEqualTo(ServerConfig.DEFAULT_LEAK_WINDOW);
  }

  @Test
  void fileProblems_areReportedWithEveryOtherProblem() throws Exception {
    Path config = file("drian-timeout=3s\nleak-window=10s\nlog-format=xml\n");

    assertThatThrownBy(() -> parse(Map.of(), "--config", config.toString(), "--log-level", "loud"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("4 configuration problems (nothing was started)")
        .hasMessageContaining("--config " + config + ": unknown key 'drian-timeout' (keys are flag names without"
            + " the dashes: ")
        .hasMessageContaining("--leak-window / STEADFAST_LEAK_WINDOW: leakWindow must be at least 1m: 10s")
        .hasMessageContaining("--log-format / STEADFAST_LOG_FORMAT: must be text or json: 'xml'")
        .hasMessageContaining("--log-level / STEADFAST_LOG_LEVEL: must be one of TRACE, DEBUG, INFO, WARN, ERROR,"
            + " OFF: 'loud'");
  }

  @Test
  void missingFile_isAProblem() {
    assertThatThrownBy(() -> parse(Map.of(), "--config", dir.resolve("absent.properties").toString()))
        .hasMessageContaining("--config / STEADFAST_CONFIG: cannot read " + dir.resolve("absent.properties"));
  }

  @Test
  void logSettings_fromFlagsOrEnvironment() {
    assertThat(parse(Map.of()).logSettings()).isEqualTo(LogSettings.DEFAULTS);
    assertThat(parse(Map.of("STEADFAST_LOG_FORMAT", "JSON"), "--log-level", "debug").logSettings())
        .isEqualTo(new LogSettings("json", "DEBUG"));
  }

  @Test
  void operationsVariables_areKnown_notReportedAsTypos() {
    ServerCommandLine line = parse(Map.of("STEADFAST_LOG_FORMAT", "json", "STEADFAST_LEAK_WINDOW", "2h",
        "STEADFAST_CONFIG_FILE", "x"));

    assertThat(line.warnings()).singleElement().asString().contains("STEADFAST_CONFIG_FILE is not read");
  }

  @Test
  void help_showsEveryOptionsDefault() {
    String usage = parse(Map.of(), "--help").usage();
    String options = usage.substring(usage.indexOf("      --help"));

    // One block per option: from its name at the start of a line to the next option's name.
    Matcher option = Pattern.compile("(?m)^ {6}(--[a-z-]+)").matcher(options);
    List<Integer> starts = new ArrayList<>();
    List<String> names = new ArrayList<>();
    while (option.find()) {
      starts.add(option.start());
      names.add(option.group(1));
    }
    starts.add(options.length());
    for (int i = 0; i < names.size(); i++) {
      String block = options.substring(starts.get(i), starts.get(i + 1));
      if (!names.get(i).equals("--help")) {
        assertThat(block).as(names.get(i)).contains("default");
      }
    }
    assertThat(names).hasSizeGreaterThanOrEqualTo(22).contains("--config", "--log-format", "--log-level",
        "--leak-window", "--max-connections", "--idle-timeout");
  }
}
