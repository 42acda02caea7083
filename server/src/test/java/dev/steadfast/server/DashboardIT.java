package dev.steadfast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The hub's own page in a real browser: headless Chromium ({@code /usr/bin/chromium}) driven by Playwright
 * ({@code src/test/browser/dashboard.test.mjs}) against the built jar started as a child process. A missing browser
 * or driver fails the test saying how to install it. The screenshots (the page, and {@code /startup.html}, the
 * report's {@code toHtml()}) are kept in {@code target/screenshots/} as build artifacts.
 */
class DashboardIT {
  private static final Duration BROWSER_TIMEOUT = Duration.ofSeconds(90);
  /** configuration, metrics, threads, message-broker, websocket-listener, self-check, leak-monitor. */
  private static final int SERVICE_STEPS = 7;
  private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

  @Test
  void page_connectsSubscribesSeesAMessagePublishedThroughTheApi_andDrawsEveryStartupStep() throws Exception {
    if (!Files.isExecutable(CHROMIUM)) {
      fail("Chromium is missing at " + CHROMIUM + ": install it (Debian/Ubuntu: apt-get install chromium; .ci/run"
          + " does it) or set CHROMIUM to its path");
    }
    Path browserDirectory = Path.of(System.getProperty("steadfast.browser.dir", "src/test/browser"));
    if (!Files.isDirectory(browserDirectory.resolve("node_modules/playwright-core"))) {
      fail("playwright-core is not installed in " + browserDirectory.toAbsolutePath() + ": run `npm ci` there"
          + " (mvn verify does it before these tests; needs node 20+ and npm)");
    }
    Path screenshots = Files.createDirectories(Path.of(System.getProperty("steadfast.screenshot.dir",
        "target/screenshots")));
    Path screenshot = screenshots.resolve("dashboard.png");
    Files.deleteIfExists(screenshot);

    try (ServerProcess server = ServerProcess.start(Map.of(), "--environment", "development", "--port", "0",
        "--bind-address", "127.0.0.1")) {
      int port = server.awaitReady();
      ProcessBuilder node = new ProcessBuilder(List.of("node", "dashboard.test.mjs"))
          .directory(browserDirectory.toFile())
          .redirectErrorStream(true);
      node.environment().putAll(Map.of("BASE_URL", "http://127.0.0.1:" + port, "TOKEN", server.developmentToken(),
          "API_KEY", server.developmentApiKey(), "SCREENSHOT", screenshot.toAbsolutePath().toString(),
          "CHROMIUM", CHROMIUM.toString()));
      Path output = Files.createTempFile(screenshots, "browser-", ".log");
      node.redirectOutput(output.toFile());
      Process browser;
      try {
        browser = node.start();
      } catch (IOException e) {
        throw new AssertionError("cannot run node (install Node.js 20+): " + e.getMessage(), e);
      }
      boolean finished = browser.waitFor(BROWSER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (!finished) {
        browser.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      String log = Files.readString(output, StandardCharsets.UTF_8);
      assertThat(finished).as("the browser test did not finish within %s:\n%s", BROWSER_TIMEOUT, log).isTrue();
      assertThat(browser.exitValue()).as("browser test output:\n%s\nservice output:\n%s", log, server.output())
          .isZero();
      // The script's last line: what it saw. Every step of the service's startup has its bar.
      JsonNode seen = new ObjectMapper().readTree(log.strip().lines().reduce((a, b) -> b).orElseThrow());
      assertThat(seen.get("steps").asInt()).as(log).isEqualTo(SERVICE_STEPS);
      assertThat(seen.get("bars").asInt()).as(log).isEqualTo(SERVICE_STEPS);
      assertThat(seen.get("message").asText()).startsWith("from the browser test");
      assertThat(screenshot).isNotEmptyFile();
      assertThat(screenshots.resolve("dashboard-startup-html.png")).isNotEmptyFile();
    }
  }
}
