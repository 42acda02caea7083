package dev.steadfast.websocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * A seeded, bounded hostile client: sessions that each open a socket and send a random handshake (valid, legacy,
 * other versions, missing headers, garbage, oversized, cut short) and, once upgraded, random frames (valid ops,
 * mutated bytes, reserved opcodes and bits, unmasked frames, lying lengths, fragments, control frames with any close
 * code, ping floods without reading), ending by closing, vanishing, resetting or just stopping. The same seed makes
 * the same choices in the same order until the hub closes a session earlier than in another run (a timing matter);
 * from there the draws shift. Counts frames, and samples direct memory per open connection while it runs.
 */
final class HubFuzzer {

    private static final String[] OPS = {
        "{\"op\":\"subscribe\",\"topic\":\"room:%d\",\"id\":%d}",
        "{\"op\":\"unsubscribe\",\"topic\":\"room:%d\",\"id\":%d}",
        "{\"op\":\"publish\",\"topic\":\"room:%d\",\"id\":%d,\"payload\":{\"n\":1}}",
        "{\"op\":\"publish\",\"topic\":\"room:%d\",\"id\":%d,\"payload\":\"\\udc00\"}",
        "{\"op\":\"ping\",\"id\":%2$d}",
        "{\"op\":\"nope%d\",\"id\":%d}",
        "[%d,%d]",
        "{\"op\":\"subscribe\",\"topic\":\"forbidden:%d\",\"id\":%d}",
    };

    private final int port;
    private final String token;
    private final Random random;
    private final IntSupplier openConnections;
    private long directBaseline = -1;
    final AtomicLong frames = new AtomicLong();
    private long maxDirectBytesPerConnection;

    HubFuzzer(int port, String token, long seed, IntSupplier openConnections) {
        this.port = port;
        this.token = token;
        this.random = new Random(seed);
        this.openConnections = openConnections;
    }

    /**
     * From now on, direct memory is measured against what is in use now: call it after a warm-up, once the
     * allocator has reserved its first chunks (shared by every connection, not a connection's cost).
     */
    void startMeasuring(long baseline) {
        directBaseline = baseline;
    }

    /** Runs sessions until {@code frameBudget} frames were sent or {@code deadlineNanos} passed. */
    void run(long frameBudget, long deadlineNanos) {
        while (frames.get() < frameBudget && System.nanoTime() < deadlineNanos) {
            try {
                session(frameBudget);
            } catch (IOException expected) {
                // The hub closed the socket on a bad frame or handshake: that is its job.
            }
        }
    }

    long maxDirectBytesPerConnection() {
        return maxDirectBytesPerConnection;
    }

    private void session(long frameBudget) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096 + random.nextInt(65536));
            socket.setSoTimeout(5_000);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            int kind = random.nextInt(10);
            if (kind < 3) {
                badHandshake(socket);
                return;
            }
            socket.getOutputStream().write(RawHttp.upgradeRequest("/ws?access_token=" + token)
                    .getBytes(StandardCharsets.US_ASCII));
            String head = RawHttp.readHead(socket.getInputStream());
            if (!head.startsWith("HTTP/1.1 101")) {
                return;
            }
            boolean reading = random.nextInt(4) != 0;
            int count = 1 + random.nextInt(400);
            byte[] sink = new byte[65536];
            for (int i = 0; i < count && frames.get() < frameBudget; i++) {
                socket.getOutputStream().write(nextFrame());
                frames.incrementAndGet();
                if (reading && socket.getInputStream().available() > 0) {
                    socket.getInputStream().read(sink);
                }
                if ((i & 63) == 0) {
                    sample();
                }
            }
            socket.getOutputStream().flush();
            sample();
            switch (random.nextInt(3)) {
                case 0 -> socket.getOutputStream().write(RawWebSocket.close(1000));
                case 1 -> socket.setSoLinger(true, 0);
                default -> { }
            }
        }
    }

    private byte[] nextFrame() {
        int choice = random.nextInt(100);
        int mask = random.nextInt();
        if (choice < 40) {
            String op = String.format(OPS[random.nextInt(OPS.length)], random.nextInt(5), random.nextInt(1000));
            return RawWebSocket.frame(true, RawWebSocket.TEXT, op.getBytes(StandardCharsets.UTF_8), mask);
        }
        if (choice < 55) {
            return RawWebSocket.frame(true, RawWebSocket.PING, bytes(random.nextInt(126)), mask);
        }
        if (choice < 60) {
            return RawWebSocket.frame(true, RawWebSocket.PONG, bytes(random.nextInt(126)), mask);
        }
        if (choice < 70) {
            // A fragment: the first part of a text message or a continuation, in or out of order.
            int opcode = random.nextBoolean() ? RawWebSocket.TEXT : RawWebSocket.CONTINUATION;
            return RawWebSocket.frame(random.nextBoolean(), opcode, "{\"op\":\"pi".getBytes(StandardCharsets.UTF_8),
                    mask);
        }
        if (choice < 75) {
            return RawWebSocket.close(random.nextInt(6000));
        }
        if (choice < 80) {
            return RawWebSocket.frame(true, random.nextInt(16), bytes(random.nextInt(200)), mask);
        }
        if (choice < 85) {
            // Big: over the frame limit sometimes.
            return RawWebSocket.frame(true, RawWebSocket.TEXT, bytes(random.nextInt(70_000)), mask);
        }
        byte[] frame = RawWebSocket.frame(true, RawWebSocket.TEXT,
                "{\"op\":\"ping\",\"id\":1}".getBytes(StandardCharsets.UTF_8), mask);
        // Mutated: flip bytes anywhere, header included (reserved bits, unmasked, lying lengths).
        int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips; i++) {
            frame[random.nextInt(frame.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return frame;
    }

    private void badHandshake(Socket socket) throws IOException {
        String valid = RawHttp.upgradeRequest("/ws?access_token=" + token);
        List<String> requests = List.of(
                valid.replace("Sec-WebSocket-Version: 13\r\n", ""),
                valid.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: " + random.nextInt(20)),
                valid.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""),
                valid.replace("Connection: Upgrade\r\n", ""),
                valid.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: x"),
                "GET /" + "a".repeat(random.nextInt(10_000)) + " HTTP/1.1\r\n\r\n",
                "GET /ws HTTP/1.1\r\nX: " + "b".repeat(random.nextInt(20_000)) + "\r\n\r\n",
                "POST /api/publish HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{\"topic\"",
                new String(bytes(random.nextInt(300)), StandardCharsets.ISO_8859_1),
                valid.substring(0, random.nextInt(valid.length())));
        socket.getOutputStream().write(requests.get(random.nextInt(requests.size()))
                .getBytes(StandardCharsets.ISO_8859_1));
        frames.incrementAndGet();
        socket.shutdownOutput();
        byte[] sink = new byte[8192];
        while (socket.getInputStream().read(sink) >= 0) {
            // Read the answer until the hub closes: every malformed request gets one and a close.
        }
    }

    private byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private void sample() {
        if (directBaseline < 0) {
            return;
        }
        int open = Math.max(1, openConnections.getAsInt());
        long perConnection = Math.max(0, directMemoryUsed() - directBaseline) / open;
        maxDirectBytesPerConnection = Math.max(maxDirectBytesPerConnection, perConnection);
    }

    /**
     * Direct memory Netty's default allocator (the hub's) has handed out now. Not the JDK's direct-buffer pool: this
     * process's plain-socket clients fill it with their own temporary buffers.
     */
    static long directMemoryUsed() {
        return ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator.DEFAULT).metric()
                .usedDirectMemory();
    }
}
