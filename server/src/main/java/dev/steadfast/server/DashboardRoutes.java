package dev.steadfast.server;

import dev.steadfast.startup.StartupReport;
import dev.steadfast.websocket.HttpReply;
import dev.steadfast.websocket.WebSocketHub;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The service's own web page, served from the jar on the hub's port and so on the hub's own origin (the WebSocket
 * accepts it without any {@code --allowed-origins}): a dashboard with the live figures of {@code /api/status}, the
 * startup timeline drawn from {@code /startup}, and a demo client (connect with a token, subscribe, publish over
 * the WebSocket or {@code POST /api/publish}). Plain HTML, CSS and JavaScript: no CDN, no build step.
 *
 * <pre>{@code
 * new DashboardRoutes().register(hubBuilder);   // GET /, /dashboard.js, /dashboard.css, /timeline.js, /timeline.css
 * }</pre>
 */
final class DashboardRoutes {
  static final String RESOURCE_DIRECTORY = "/dev/steadfast/server/dashboard/";
  /** Path to file and its content type. */
  private static final Map<String, String[]> FILES = Map.of(
      "/", new String[] {"index.html", "text/html; charset=utf-8"},
      "/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"},
      "/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"});

  void register(WebSocketHub.Builder hub) {
    FILES.forEach((path, file) -> {
      HttpReply reply = HttpReply.ok(file[1], read(RESOURCE_DIRECTORY + file[0]));
      hub.route("GET", path, request -> reply);
    });
    // The timeline renderer is the startup module's, the one StartupReport.toHtml() inlines: one drawing, two pages.
    HttpReply script = HttpReply.ok("text/javascript; charset=utf-8", read(StartupReport.TIMELINE_SCRIPT));
    HttpReply style = HttpReply.ok("text/css; charset=utf-8", read(StartupReport.TIMELINE_STYLE));
    hub.route("GET", "/timeline.js", request -> script);
    hub.route("GET", "/timeline.css", request -> style);
    // Browsers ask for it on every page; an empty answer keeps a 404 out of the console.
    hub.route("GET", "/favicon.ico", request -> HttpReply.status(204, "image/x-icon", ""));
  }

  private static String read(String name) {
    try (InputStream in = DashboardRoutes.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard file " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the dashboard file " + name, e);
    }
  }
}
