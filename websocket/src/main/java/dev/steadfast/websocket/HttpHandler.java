package dev.steadfast.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the one HTTP request of a connection: the WebSocket upgrade (origin, token and caps checked first), the
 * publish API, or a route. Every refusal is a short JSON body with no stack trace; the connection closes after it.
 */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHub.class);
    private static final String BEARER = "bearer ";
    private static final String WEBSOCKET_VERSION = "13";

    private final HubCore core;
    private final Connection connection;
    private boolean requestSeen;
    private boolean incompleteReported;

    HttpHandler(HubCore core, Connection connection) {
        this.core = core;
        this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (requestSeen || connection.phase() != Connection.Phase.HTTP) {
            // One request per connection: a pipelined second one is dropped, the connection closes after the first.
            return;
        }
        requestSeen = true;
        connection.requestReceived();
        if (!request.decoderResult().isSuccess()) {
            malformed(ctx.channel(), request.decoderResult().cause());
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        if (path.equals(core.config.path())) {
            upgrade(ctx, request, uri);
            return;
        }
        connection.httpRequestReceived();
        if (path.equals(WebSocketHub.PUBLISH_PATH)) {
            publishApi(ctx.channel(), request);
        } else {
            route(ctx.channel(), request, uri);
        }
    }

    // ---- WebSocket upgrade ----

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri) {
        Channel channel = ctx.channel();
        if (!core.accepting()) {
            respond(channel, HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting_down", "the server is shutting down",
                    CloseReason.SERVER_SHUTDOWN);
            return;
        }
        if (!HttpMethod.GET.equals(request.method())
                || !HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(request.headers().get(HttpHeaderNames.UPGRADE))) {
            badHandshake(channel, "expected a WebSocket upgrade: GET " + core.config.path()
                    + " with 'Upgrade: websocket'");
            return;
        }
        // Only RFC 6455: Netty would otherwise fall back to the draft handshakers (Hixie-76 without a version
        // header, 7 and 8), whose framing ignores the hub's limits.
        String version = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (version == null || !version.trim().equals(WEBSOCKET_VERSION)) {
            String asked = version == null ? "none (the legacy Hixie-76 handshake)" : "'" + abbreviate(version) + "'";
            core.events.report(ClientEvents.Kind.UNSUPPORTED_VERSION, connection.remoteAddress,
                    "WebSocket version " + asked + " refused with 426");
            FullHttpResponse response = response(HttpResponseStatus.UPGRADE_REQUIRED, HttpReply.APPLICATION_JSON,
                    core.frames.httpError("unsupported_version", "only WebSocket version " + WEBSOCKET_VERSION
                            + " (RFC 6455) is supported; the request asked for " + asked));
            response.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, WEBSOCKET_VERSION);
            send(channel, response, CloseReason.HANDSHAKE_REJECTED);
            return;
        }
        if (!hasToken(request.headers().getAll(HttpHeaderNames.CONNECTION), "upgrade")) {
            badHandshake(channel, "expected 'Connection: Upgrade' in a WebSocket upgrade");
            return;
        }
        if (!validKey(request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY))) {
            badHandshake(channel, "expected 'Sec-WebSocket-Key': 16 random bytes in base64");
            return;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !originAllowed(origin, request.headers().get(HttpHeaderNames.HOST))) {
            core.events.reportPerAddress(ClientEvents.Kind.ORIGIN_NOT_ALLOWED, connection.remoteAddress,
                    "origin " + abbreviate(origin) + " is not allowed: add it to allowedOrigins (the server's"
                            + " --allowed-origins) if pages from it may connect");
            respond(channel, HttpResponseStatus.FORBIDDEN, "origin_not_allowed",
                    "origin " + abbreviate(origin) + " is not allowed", CloseReason.HANDSHAKE_REJECTED);
            return;
        }
        String token = token(request, uri);
        if (token == null) {
            core.events.reportPerAddress(ClientEvents.Kind.BAD_TOKEN, connection.remoteAddress,
                    "upgrade without a token refused with 401: the client must send 'Authorization: Bearer <token>'"
                            + " or the " + WebSocketHub.ACCESS_TOKEN_PARAMETER + " query parameter");
            respond(channel, HttpResponseStatus.UNAUTHORIZED, "missing_token", "a token is required: send "
                    + "'Authorization: Bearer <token>' or the " + WebSocketHub.ACCESS_TOKEN_PARAMETER
                    + " query parameter", CloseReason.HANDSHAKE_REJECTED);
            return;
        }
        Grants grants;
        try {
            grants = core.tokenVerifier.verify(token);
        } catch (TokenVerifier.InvalidTokenException e) {
            core.events.reportPerAddress(ClientEvents.Kind.BAD_TOKEN, connection.remoteAddress,
                    "token refused with 401: " + e.getMessage() + "; check that the token issuer signs with the"
                            + " hub's tokenSecret and that the clocks agree (tokenClockSkew)");
            respond(channel, HttpResponseStatus.UNAUTHORIZED, "invalid_token", e.getMessage(),
                    CloseReason.HANDSHAKE_REJECTED);
            return;
        }
        switch (core.limiter.tryAcquire(connection.remoteAddress.getAddress())) {
            case HUB_FULL -> {
                respond(channel, HttpResponseStatus.SERVICE_UNAVAILABLE, "connection_limit",
                        "the server is at its connection limit (" + core.config.maxConnections() + ")",
                        CloseReason.CONNECTION_LIMIT);
                return;
            }
            case ADDRESS_FULL -> {
                respond(channel, HttpResponseStatus.TOO_MANY_REQUESTS, "connection_limit",
                        "too many connections from your address (limit "
                                + core.config.maxConnectionsPerAddress() + ")", CloseReason.CONNECTION_LIMIT);
                return;
            }
            case ACCEPTED -> connection.upgrading(grants);
        }
        WebSocketServerHandshaker handshaker = core.handshakerFactory.newHandshaker(request);
        if (handshaker == null) {
            connection.recordReason(CloseReason.HANDSHAKE_REJECTED);
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(channel)
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // Frame handlers go in before the 101 is written, so no frame can arrive before they are there.
        ctx.pipeline()
                .addAfter(ctx.name(), "ws-utf8", new Utf8FrameValidator(false))
                .addAfter("ws-utf8", "ws-aggregator", new WebSocketFrameAggregator(core.config.maxMessageSize()))
                .addAfter("ws-aggregator", "ws-frames", new FrameHandler(core, connection));
        handshaker.handshake(channel, request).addListener((ChannelFutureListener) future -> {
            if (future.isSuccess()) {
                if (ctx.pipeline().context(this) != null) {
                    ctx.pipeline().remove(this);
                }
                if (ctx.pipeline().get("wsdecoder") instanceof io.netty.handler.codec.ByteToMessageDecoder decoder) {
                    // The decoder appends each read to one buffer and drops what it consumed only every 16 reads;
                    // a flood that ends each read mid-frame grew that buffer to megabytes per connection (6 MiB
                    // measured). Dropping after every read keeps it near one read (WebSocketFuzzTest's ping flood).
                    decoder.setDiscardAfterReads(1);
                    decoder.setCumulator(ExactCumulator.INSTANCE);
                }
                connection.upgraded();
            } else {
                connection.recordReason(future.cause() instanceof IOException
                        ? CloseReason.CONNECTION_LOST : CloseReason.HANDSHAKE_REJECTED);
                future.channel().close();
            }
        });
    }

    private void badHandshake(Channel channel, String reason) {
        core.events.report(ClientEvents.Kind.BAD_HANDSHAKE, connection.remoteAddress, reason + " (400)");
        respond(channel, HttpResponseStatus.BAD_REQUEST, "bad_request", reason, CloseReason.HANDSHAKE_REJECTED);
    }

    /** A request the codec could not read: 414/431 for the limits on its head, 400 otherwise. */
    private void malformed(Channel channel, Throwable cause) {
        if (cause instanceof PrematureChannelClosureException) {
            incomplete();
            channel.close();
            return;
        }
        HttpResponseStatus status;
        String message;
        if (cause instanceof TooLongHttpLineException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            message = "request line over " + HubChannelInitializer.MAX_INITIAL_LINE_LENGTH + " bytes";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            message = "request headers over " + HubChannelInitializer.MAX_HEADER_SIZE + " bytes";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            message = "malformed HTTP request";
        }
        core.events.report(ClientEvents.Kind.MALFORMED_REQUEST, connection.remoteAddress,
                message + " (" + status.code() + ")");
        respond(channel, status, "bad_request", message, CloseReason.HANDSHAKE_REJECTED);
    }

    /** The client closed or reset the connection before its request was complete. */
    private void incomplete() {
        connection.recordReason(CloseReason.CONNECTION_LOST);
        // Once per connection, and not when the hub ended it (a handshake timeout is reported as such).
        if (!incompleteReported && connection.reason() == CloseReason.CONNECTION_LOST) {
            incompleteReported = true;
            core.events.report(ClientEvents.Kind.INCOMPLETE_REQUEST, connection.remoteAddress,
                    "connection closed before its HTTP request was complete");
        }
    }

    private static boolean hasToken(List<String> headerValues, String token) {
        for (String value : headerValues) {
            for (String part : value.split(",")) {
                if (part.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean validKey(String key) {
        if (key == null) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key.trim()).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }

    /** Same origin (the Origin's host:port is the Host header), a listed origin, or any when "*" is listed. */
    private boolean originAllowed(String origin, String host) {
        String normalized = origin.toLowerCase(Locale.ROOT);
        if (core.config.anyOriginAllowed() || core.config.allowedOrigins().contains(normalized)) {
            return true;
        }
        int schemeEnd = normalized.indexOf("://");
        return host != null && schemeEnd > 0 && normalized.substring(schemeEnd + 3).equals(host.toLowerCase(Locale.ROOT));
    }

    private static String token(FullHttpRequest request, QueryStringDecoder uri) {
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String token = authorization.substring(BEARER.length()).trim();
            return token.isEmpty() ? null : token;
        }
        List<String> values = uri.parameters().get(WebSocketHub.ACCESS_TOKEN_PARAMETER);
        return values == null || values.isEmpty() || values.get(0).isBlank() ? null : values.get(0);
    }

    // ---- publish API ----

    private void publishApi(Channel channel, FullHttpRequest request) {
        if (!HttpMethod.POST.equals(request.method())) {
            methodNotAllowed(channel, List.of("POST"));
            return;
        }
        if (core.config.publishApiKey().isEmpty()) {
            respond(channel, HttpResponseStatus.FORBIDDEN, "publish_api_disabled",
                    "the publish API is disabled: no API key is configured", CloseReason.HTTP_EXCHANGE);
            return;
        }
        String key = request.headers().get(WebSocketHub.API_KEY_HEADER);
        if (key == null) {
            core.events.reportPerAddress(ClientEvents.Kind.BAD_API_KEY, connection.remoteAddress,
                    "publish API request without the " + WebSocketHub.API_KEY_HEADER + " header refused with 401");
            respond(channel, HttpResponseStatus.UNAUTHORIZED, "missing_api_key",
                    "send the API key in the " + WebSocketHub.API_KEY_HEADER + " header", CloseReason.HTTP_EXCHANGE);
            return;
        }
        byte[] expected = core.config.publishApiKey().get().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, key.getBytes(StandardCharsets.UTF_8))) {
            // Unauthenticated: one line per address and window, however many keys a client tries.
            core.events.reportPerAddress(ClientEvents.Kind.BAD_API_KEY, connection.remoteAddress,
                    "publish API request with a wrong API key refused with 401: the caller must send the hub's"
                            + " publishApiKey (the server's --publish-api-key) in " + WebSocketHub.API_KEY_HEADER);
            respond(channel, HttpResponseStatus.UNAUTHORIZED, "invalid_api_key", "invalid API key",
                    CloseReason.HTTP_EXCHANGE);
            return;
        }
        JsonNode body;
        try {
            body = core.frames.parse(request.content().toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject() || !body.path("topic").isTextual() || !body.has("payload")) {
            respond(channel, HttpResponseStatus.BAD_REQUEST, "bad_request",
                    "expected a JSON body {\"topic\":\"<topic>\",\"payload\":<any JSON>}", CloseReason.HTTP_EXCHANGE);
            return;
        }
        String topic = body.get("topic").asText();
        String problem = Frames.topicProblem(topic);
        if (problem != null) {
            respond(channel, HttpResponseStatus.BAD_REQUEST, "invalid_topic", problem, CloseReason.HTTP_EXCHANGE);
            return;
        }
        core.publish(topic, core.frames.json(body.get("payload"))).whenComplete((ignored, failure) -> {
            if (failure == null) {
                respond(channel, HttpResponseStatus.OK, null,
                        core.frames.json(core.frames.object().put("status", "published").put("topic", topic)),
                        CloseReason.HTTP_EXCHANGE);
            } else if (HubCore.brokerRefusal(failure) instanceof PublishRefusedException refused) {
                respond(channel, HttpResponseStatus.valueOf(refused.httpStatus()), refused.code(),
                        refused.getMessage(), CloseReason.HTTP_EXCHANGE);
            } else if (HubCore.brokerRefusal(failure) instanceof BrokerException refusal) {
                // Expected while the backend is down or slow: one line per publish would flood the log.
                LOG.debug("Publish API: broker refused a message for topic '{}': {}", topic, refusal.getMessage());
                respond(channel, HttpResponseStatus.SERVICE_UNAVAILABLE, refusal.code(), refusal.getMessage(),
                        CloseReason.HTTP_EXCHANGE);
            } else {
                LOG.warn("Publish API: broker refused a message for topic '{}'", topic, failure);
                respond(channel, HttpResponseStatus.BAD_GATEWAY, "publish_failed",
                        "the message broker did not accept the message", CloseReason.HTTP_EXCHANGE);
            }
        });
    }

    // ---- routes ----

    private void route(Channel channel, FullHttpRequest request, QueryStringDecoder uri) {
        Map<String, HttpRoute> byMethod = core.settings.routesByPath().get(uri.path());
        if (byMethod == null) {
            respond(channel, HttpResponseStatus.NOT_FOUND, "not_found", "no route for " + uri.path(),
                    CloseReason.HTTP_EXCHANGE);
            return;
        }
        String method = request.method().name();
        HttpRoute route = byMethod.get(method);
        if (route == null) {
            methodNotAllowed(channel, byMethod.keySet());
            return;
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        request.headers().forEach(header -> headers.computeIfAbsent(header.getKey(), k -> new java.util.ArrayList<>())
                .add(header.getValue()));
        HttpRequestView view = new HttpRequestView(method, uri.path(), uri.parameters(), headers,
                request.content().toString(StandardCharsets.UTF_8), connection.remoteAddress);
        Runnable answer = () -> {
            HttpReply reply;
            try {
                reply = route.handle(view);
                if (reply == null) {
                    throw new IllegalStateException("route returned null instead of an HttpReply");
                }
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Exception | Error e) {
                // A route's Error (a class missing at run time, a failed assertion) must still answer the client;
                // only the JVM's own failures (out of memory, stack overflow) are left to propagate.
                LOG.warn("Route {} {} failed", method, uri.path(), e);
                reply = HttpReply.json(500, core.frames.httpError("internal_error", "the route failed"));
            }
            FullHttpResponse response = response(HttpResponseStatus.valueOf(reply.status()), reply.contentType(),
                    reply.body());
            send(channel, response, CloseReason.HTTP_EXCHANGE);
        };
        if (core.settings.routeExecutor().isEmpty()) {
            answer.run();
            return;
        }
        try {
            core.settings.routeExecutor().get().execute(answer);
        } catch (RejectedExecutionException e) {
            respond(channel, HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable", "the route executor is full",
                    CloseReason.HTTP_EXCHANGE);
        }
    }

    // ---- responses ----

    private void methodNotAllowed(Channel channel, java.util.Collection<String> allowed) {
        FullHttpResponse response = response(HttpResponseStatus.METHOD_NOT_ALLOWED, HttpReply.APPLICATION_JSON,
                core.frames.httpError("method_not_allowed", "use " + String.join(" or ", allowed)));
        response.headers().set(HttpHeaderNames.ALLOW, String.join(", ", allowed));
        send(channel, response, CloseReason.HTTP_EXCHANGE);
    }

    private void respond(Channel channel, HttpResponseStatus status, String error, String message,
                         CloseReason reason) {
        FullHttpResponse response = error == null
                ? response(status, HttpReply.APPLICATION_JSON, message)
                : response(status, HttpReply.APPLICATION_JSON, core.frames.httpError(error, message));
        if (status.code() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"steadfast\"");
        }
        if (status.code() == 429 || status.code() == 503) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
        }
        send(channel, response, reason);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String contentType, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    private void send(Channel channel, FullHttpResponse response, CloseReason reason) {
        connection.recordReason(reason);
        channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (connection.phase() != Connection.Phase.HTTP) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            // Client-caused (a reset, a body cut short): one counted, rate-limited line, never a stack trace.
            incomplete();
        } else {
            LOG.warn("{} failed while reading its HTTP request", connection, cause);
            connection.recordReason(CloseReason.ERROR);
        }
        ctx.close();
    }
}
