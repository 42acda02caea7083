package dev.steadfast.websocket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client on a plain socket: exact bytes out (masked frames of any opcode, length and flags, mutated or
 * not), frames read only when the test asks, so it can stop reading entirely.
 */
final class RawWebSocket implements AutoCloseable {

    static final int CONTINUATION = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;

    final Socket socket;
    final InputStream in;
    final OutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects with a small receive buffer, so a client that stops reading fills up quickly. */
    static RawWebSocket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return new RawWebSocket(socket);
    }

    /** Connects and completes a version-13 upgrade with {@code token}; fails unless the answer is 101. */
    static RawWebSocket open(int port, String token) throws IOException {
        RawWebSocket ws = connect(port);
        ws.write(RawHttp.upgradeRequest("/ws?access_token=" + token));
        String head = RawHttp.readHead(ws.in);
        if (!head.startsWith("HTTP/1.1 101")) {
            ws.close();
            throw new IOException("upgrade refused: " + head);
        }
        return ws;
    }

    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** A masked frame with FIN set. */
    static byte[] frame(int opcode, byte[] payload) {
        return frame(true, opcode, payload, 0x5a17c0de);
    }

    /** A masked client frame; lengths over 125 use the 16- or 64-bit forms. */
    static byte[] frame(boolean fin, int opcode, byte[] payload, int mask) {
        int headerLength = 2 + (payload.length > 65_535 ? 8 : payload.length > 125 ? 2 : 0) + 4;
        byte[] frame = new byte[headerLength + payload.length];
        frame[0] = (byte) ((fin ? 0x80 : 0) | (opcode & 0x0f));
        int i = 2;
        if (payload.length > 65_535) {
            frame[1] = (byte) (0x80 | 127);
            long length = payload.length;
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame[i++] = (byte) (length >>> shift);
            }
        } else if (payload.length > 125) {
            frame[1] = (byte) (0x80 | 126);
            frame[i++] = (byte) (payload.length >>> 8);
            frame[i++] = (byte) payload.length;
        } else {
            frame[1] = (byte) (0x80 | payload.length);
        }
        byte[] key = {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask};
        System.arraycopy(key, 0, frame, i, 4);
        i += 4;
        for (int j = 0; j < payload.length; j++) {
            frame[i + j] = (byte) (payload[j] ^ key[j & 3]);
        }
        return frame;
    }

    static byte[] text(String json) {
        return frame(TEXT, json.getBytes(StandardCharsets.UTF_8));
    }

    /** A close frame carrying {@code code} (no reason). */
    static byte[] close(int code) {
        return frame(CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /** One server frame: opcode and payload (servers never mask). */
    record Frame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length < 2 ? -1 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }
    }

    /** Reads the next server frame, or null at end of stream. */
    Frame read() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int b1 = in.read();
        long length = b1 & 0x7f;
        if (length == 126) {
            length = (in.read() << 8) | in.read();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | in.read();
            }
        }
        byte[] payload = in.readNBytes((int) length);
        return new Frame(b0 & 0x0f, payload);
    }

    /** Reads frames until a close frame (its code) or end of stream (-1), skipping everything else. */
    int readUntilClose() throws IOException {
        Frame frame;
        while ((frame = read()) != null) {
            if (frame.opcode() == CLOSE) {
                return frame.closeCode();
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
