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
 * new ones; {@link #restore()} accepts again on the same port. {@link #holdReplies}/{@link #holdRequests} keep
 * what Redis sends (or what it is sent) in the proxy, in order, until released, so a test can choose which command
 * Redis has processed when a reply arrives. Threads are named and stopped by {@link #close()}.
 */
public final class TcpProxy implements AutoCloseable {

    private final int targetPort;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private final Gate requests = new Gate();
    private final Gate replies = new Gate();

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

    /** Keeps what Redis sends in the proxy (after the bytes already on their way) until {@code false}. */
    public void holdReplies(boolean hold) {
        replies.hold(hold);
    }

    /** Keeps what the clients send in the proxy (after the bytes already on their way) until {@code false}. */
    public void holdRequests(boolean hold) {
        requests.hold(hold);
    }

    @Override
    public void close() throws Exception {
        requests.hold(false);
        replies.hold(false);
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
                    start("tcp-proxy-up-" + port, () -> pump(client, redis, requests));
                    start("tcp-proxy-down-" + port, () -> pump(redis, client, replies));
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

    private static void pump(Socket from, Socket to, Gate gate) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[16 * 1024];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                gate.awaitOpen();
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

    /** Open unless held; a pump waits at it before passing bytes on. */
    private static final class Gate {
        private boolean held;

        synchronized void hold(boolean hold) {
            held = hold;
            notifyAll();
        }

        synchronized void awaitOpen() throws IOException {
            while (held) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while held");
                }
            }
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
