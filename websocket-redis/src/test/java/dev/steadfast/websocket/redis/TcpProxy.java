package dev.steadfast.websocket.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP forwarder between one broker and the real Redis, so a test can cut that one node off (a network
 * partition) while the other nodes keep talking to the same Redis. {@link #cut()} drops every connection and refuses
 * new ones; {@link #restore()} accepts again on the same port. Threads are named and stopped by {@link #close()}.
 */
public final class TcpProxy implements AutoCloseable {

    private final int targetPort;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    public TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = first.getLocalPort();
        listen(first);
    }

    int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Drops every forwarded connection and refuses new ones (connection refused) until {@link #restore()}. */
    public void cut() throws IOException, InterruptedException {
        ServerSocket current = server;
        server = null;
        if (current != null) {
            current.close();
        }
        for (Socket socket : sockets) {
            socket.close();
        }
        sockets.clear();
        for (Thread thread : threads) {
            thread.join(5_000);
        }
        threads.clear();
    }

    /** Accepts connections again on the same port. */
    public void restore() throws IOException {
        ServerSocket again = new ServerSocket();
        again.setReuseAddress(true);
        again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        listen(again);
    }

    @Override
    public void close() throws Exception {
        cut();
    }

    private void listen(ServerSocket socket) {
        server = socket;
        start("tcp-proxy-accept-" + port, () -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    Socket redis = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    sockets.add(client);
                    sockets.add(redis);
                    start("tcp-proxy-up-" + port, () -> pump(client, redis));
                    start("tcp-proxy-down-" + port, () -> pump(redis, client));
                } catch (IOException e) {
                    return;  // closed by cut()
                }
            }
        });
    }

    private void start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[16 * 1024];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // One side closed: close both below.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
