package dev.steadfast.websocket;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A read-only, fully-read HTTP request handed to an {@link HttpRoute}: method, path, query parameters, headers and
 * body. It holds no network buffers, so a route may keep it or pass it to another thread.
 *
 * <pre>{@code
 * HttpRoute echo = request -> HttpReply.ok("text/plain",
 *     request.method() + " " + request.path() + " verbose=" + request.queryParameter("verbose").orElse("no"));
 * }</pre>
 */
public final class HttpRequestView {

    private final String method;
    private final String path;
    private final Map<String, List<String>> queryParameters;
    private final Map<String, List<String>> headers;
    private final String body;
    private final InetSocketAddress remoteAddress;

    HttpRequestView(String method, String path, Map<String, List<String>> queryParameters,
                    Map<String, List<String>> headers, String body, InetSocketAddress remoteAddress) {
        this.method = method;
        this.path = path;
        this.queryParameters = Map.copyOf(queryParameters);
        TreeMap<String, List<String>> byLowerCaseName = new TreeMap<>();
        headers.forEach((name, values) -> byLowerCaseName.merge(name.toLowerCase(Locale.ROOT), List.copyOf(values),
                (a, b) -> {
                    List<String> merged = new java.util.ArrayList<>(a);
                    merged.addAll(b);
                    return List.copyOf(merged);
                }));
        this.headers = java.util.Collections.unmodifiableMap(byLowerCaseName);
        this.body = body;
        this.remoteAddress = remoteAddress;
    }

    /** The request method in upper case, e.g. {@code GET}. */
    public String method() {
        return method;
    }

    /** The decoded path without the query string, e.g. {@code /health/ready}. */
    public String path() {
        return path;
    }

    /** Every decoded query parameter with all its values, in order. */
    public Map<String, List<String>> queryParameters() {
        return queryParameters;
    }

    /** The first value of a query parameter, if present. */
    public Optional<String> queryParameter(String name) {
        List<String> values = queryParameters.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Every header, keyed by lower-case name. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** The first value of a header (the name is case-insensitive), if present. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The body decoded as UTF-8; empty when the request had none. */
    public String body() {
        return body;
    }

    /** The client's address. */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String toString() {
        // The query string may carry an access token: never print it.
        return "HttpRequestView[" + method + " " + path + "]";
    }
}
