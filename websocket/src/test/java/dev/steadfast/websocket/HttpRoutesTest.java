package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Extra HTTP routes on the hub's port. */
class HttpRoutesTest extends HubTestSupport {

    @Test
    void route_answersWithItsReply_andSeesQueryAndHeaders() throws Exception {
        AtomicReference<HttpRequestView> seen = new AtomicReference<>();
        start(builder().route("GET", "/health/ready", request -> {
            seen.set(request);
            return HttpReply.ok("text/plain", "READY " + request.queryParameter("verbose").orElse("-"));
        }));

        RawHttp.Response response = RawHttp.exchange(hub.port(),
                "GET /health/ready?verbose=yes HTTP/1.1\r\nHost: x\r\nX-Probe: kubelet\r\n\r\n");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo("text/plain");
        assertThat(response.body()).isEqualTo("READY yes");
        assertThat(seen.get().header("x-probe")).contains("kubelet");
        assertThat(seen.get().method()).isEqualTo("GET");
        assertThat(seen.get().path()).isEqualTo("/health/ready");
        awaitClosed(CloseReason.HTTP_EXCHANGE, 1);
        awaitBaseline();
    }

    @Test
    void routeStatus_isSentAsIs() throws Exception {
        start(builder().route("GET", "/health/startup", request -> HttpReply.text(503, "starting")));

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.get("/health/startup"));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("starting");
    }

    @Test
    void postRoute_receivesTheBody() throws Exception {
        start(builder().route("POST", "/echo", request -> HttpReply.json(200, request.body())));

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post("/echo", "{\"a\":1}"));

        assertThat(response.body()).isEqualTo("{\"a\":1}");
    }

    @Test
    void failingRoute_is500WithoutStackTrace() throws Exception {
        start(builder().route("GET", "/boom", request -> {
            throw new IllegalStateException("secret internals");
        }));

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.get("/boom"));

        assertThat(response.status()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("{\"error\":\"internal_error\",\"message\":\"the route failed\"}");
    }

    @Test
    void routeThrowingAnError_is500AndTheConnectionIsAnswered() throws Exception {
        start(builder().route("GET", "/broken", request -> {
            throw new NoClassDefFoundError("com/acme/Missing");
        }));

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.get("/broken"));

        assertThat(response.status()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("{\"error\":\"internal_error\",\"message\":\"the route failed\"}");
    }

    @Test
    void unknownPath_is404() throws Exception {
        start();

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.get("/nope"));

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.body()).contains("no route for /nope");
        awaitBaseline();
    }

    @Test
    void wrongMethod_is405ListingTheAllowedOnes() throws Exception {
        start(builder().route("GET", "/metrics", request -> HttpReply.ok("text/plain", "")));

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post("/metrics", ""));

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.header("Allow")).isEqualTo("GET");
    }

    @Test
    void plainGetOnTheWebSocketPath_is400() throws Exception {
        start();

        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.get("/ws"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).contains("expected a WebSocket upgrade: GET /ws with 'Upgrade: websocket'");
    }

    @Test
    void routeExecutor_runsRoutesOffTheEventLoop() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "blocking-route"));
        try {
            start(builder().routeExecutor(executor)
                    .route("GET", "/thread", request -> HttpReply.ok("text/plain", Thread.currentThread().getName())));

            assertThat(RawHttp.exchange(hub.port(), RawHttp.get("/thread")).body()).isEqualTo("blocking-route");
        } finally {
            executor.shutdownNow();
            executor.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutRouteExecutor_routesRunOnTheEventLoop() throws Exception {
        start(builder().route("GET", "/thread", request -> HttpReply.ok("text/plain",
                Thread.currentThread().getName())));

        assertThat(RawHttp.exchange(hub.port(), RawHttp.get("/thread")).body())
                .startsWith(WebSocketHub.DEFAULT_THREAD_NAME_PREFIX);
    }
}
