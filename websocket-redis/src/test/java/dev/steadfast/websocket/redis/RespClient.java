package dev.steadfast.websocket.redis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking one-command-per-connection RESP client for the tests' own look at the real Redis (PING, PUBSUB
 * CHANNELS, DEBUG SLEEP): no threads, so nothing of it can count against the broker under test.
 */
final class RespClient {

    private RespClient() {
    }

    /** Runs one command; returns a String, Long, List or null; throws on an error reply or I/O failure. */
    static Object call(int port, int timeoutMillis, String... command) throws IOException {
        return callAll(port, timeoutMillis, java.util.Collections.singletonList(command));
    }

    /**
     * Runs the commands one after the other on one connection (e.g. {@code AUTH} first); returns the last reply;
     * throws on any error reply or I/O failure.
     */
    static Object callAll(int port, int timeoutMillis, List<String[]> commands) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            for (String[] command : commands) {
                request.writeBytes(("*" + command.length + "\r\n").getBytes(StandardCharsets.UTF_8));
                for (String part : command) {
                    byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                    request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
                    request.writeBytes(bytes);
                    request.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
                }
            }
            out.write(request.toByteArray());
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Object reply = null;
            for (int i = 0; i < commands.size(); i++) {
                reply = read(in);
            }
            return reply;
        }
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IOException("Redis answered: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type '" + (char) type + "'");
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed mid-reply");
            }
            line.append((char) c);
        }
        in.read();
        return line.toString();
    }
}
