package dev.steadfast.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * A blocking, thread-free HTTP/1.1 and WebSocket-upgrade client for the server's own self-check over loopback.
 * Plain sockets on purpose: the JDK's HTTP clients start background threads (keep-alive timers, selector managers)
 * that would outlive the check.
 */
final class LoopbackProbe {
  private final InetSocketAddress address;
  private final int timeoutMillis;

  LoopbackProbe(InetSocketAddress address, Duration timeout) {
    this.address = address;
    this.timeoutMillis = (int) Math.max(1, timeout.toMillis());
  }

  /** An HTTP answer: status code and body. */
  record Answer(int status, String body) {}

  /** Sends {@code GET path} and reads the answer. */
  Answer get(String path) throws IOException {
    return request("GET", path, Map.of(), "");
  }

  /** Sends one request with a UTF-8 body and reads the answer. */
  Answer request(String method, String path, Map<String, String> headers, String body) throws IOException {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
        .append(host()).append("\r\nConnection: close\r\nContent-Length: ").append(content.length).append("\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    try (Socket socket = open()) {
      write(socket, head.toString());
      socket.getOutputStream().write(content);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      String answerHead = readHead(in);
      int status = status(answerHead);
      int length = contentLength(answerHead);
      byte[] answer = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
      return new Answer(status, new String(answer, StandardCharsets.UTF_8));
    }
  }

  /**
   * Opens a WebSocket on {@code path} with a bearer token, then closes it with a 1000 close frame and waits for
   * the server's close frame: proves the listener, the token check and the upgrade work end to end.
   *
   * @return the server's close code
   * @throws IOException if the upgrade is refused (the message holds the status line) or the close fails
   */
  int upgradeAndClose(String path, String token) throws IOException {
    byte[] nonce = new byte[16];
    new SecureRandom().nextBytes(nonce);
    try (Socket socket = open()) {
      write(socket, "GET " + path + " HTTP/1.1\r\nHost: " + host() + "\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
          + Base64.getEncoder().encodeToString(nonce) + "\r\nAuthorization: Bearer " + token + "\r\n\r\n");
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      if (status(head) != 101) {
        throw new IOException("WebSocket upgrade refused: " + head.lines().findFirst().orElse(head));
      }
      // A client frame must be masked (RFC 6455 5.3); a zero mask keeps the payload readable.
      socket.getOutputStream().write(new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xE8});
      socket.getOutputStream().flush();
      int first = in.read();
      int second = in.read();
      if (first != 0x88 || second < 2) {
        throw new IOException("expected a close frame from the server, got bytes " + first + ", " + second);
      }
      return (in.read() << 8) | in.read();
    }
  }

  private Socket open() throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(address, timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private String host() {
    return address.getHostString() + ":" + address.getPort();
  }

  private static void write(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before the end of the HTTP head: " + head);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static int status(String head) throws IOException {
    String[] statusLine = head.lines().findFirst().orElse("").split(" ");
    try {
      return Integer.parseInt(statusLine[1]);
    } catch (RuntimeException e) {
      throw new IOException("not an HTTP status line: " + head.lines().findFirst().orElse(""), e);
    }
  }

  private static int contentLength(String head) {
    return head.lines()
        .filter(line -> line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
        .map(line -> Integer.parseInt(line.substring("content-length:".length()).trim()))
        .findFirst().orElse(-1);
  }
}
