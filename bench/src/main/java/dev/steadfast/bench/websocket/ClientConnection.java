package dev.steadfast.bench.websocket;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.concurrent.CompletableFuture;

/**
 * One WebSocket client connection opened by the {@link LoadGenerator}.
 *
 * <p>Three ways to end it, because a server must clean up after each: {@link #closeCleanly(int)} (close frame,
 * then the server closes TCP), {@link #vanish()} (TCP FIN without a close frame) and {@link #reset()} (TCP RST,
 * as when a client process dies or a NAT drops state).
 *
 * <pre>{@code
 * ClientConnection c = generator.connect(target, listener).get();
 * c.send("{\"op\":\"ping\"}");
 * c.closeCleanly(1000).get();
 * }</pre>
 */
public final class ClientConnection {
  /** Close code recorded when the TCP connection ended without a close frame from the server. */
  public static final int ABNORMAL_CLOSURE = 1006;

  private final Channel channel;
  private final CompletableFuture<Integer> closed;
  private volatile Object attachment;

  ClientConnection(Channel channel, CompletableFuture<Integer> closed) {
    this.channel = channel;
    this.closed = closed;
  }

  /**
   * Sends one text frame.
   *
   * @param text the frame's text
   */
  public void send(String text) {
    channel.writeAndFlush(new TextWebSocketFrame(text));
  }

  /**
   * Sends a close frame; the returned future completes with the server's close code once TCP is closed.
   *
   * @param code the close code to send
   * @return the server's close code, or {@link #ABNORMAL_CLOSURE} if it sent none
   */
  public CompletableFuture<Integer> closeCleanly(int code) {
    ClientHandler handler = channel.pipeline().get(ClientHandler.class);
    if (handler != null) {
      handler.closeInitiated();
    }
    channel.writeAndFlush(new CloseWebSocketFrame(code, "bye"));
    return closed;
  }

  /**
   * Closes TCP without a WebSocket close frame (FIN).
   *
   * @return completes when the channel is closed
   */
  public CompletableFuture<Integer> vanish() {
    channel.close();
    return closed;
  }

  /**
   * Closes TCP with a reset (SO_LINGER 0): the server sees an error, never a close frame.
   *
   * @return completes when the channel is closed
   */
  public CompletableFuture<Integer> reset() {
    channel.config().setOption(ChannelOption.SO_LINGER, 0);
    channel.close();
    return closed;
  }

  /** Returns a future that completes with the close code (or {@link #ABNORMAL_CLOSURE}) when TCP is closed. */
  public CompletableFuture<Integer> closeFuture() {
    return closed;
  }

  /** Returns whether TCP is still open. */
  public boolean isOpen() {
    return channel.isActive();
  }

  /** Returns what the scenario attached to this connection (e.g. its index), or null. */
  public Object attachment() {
    return attachment;
  }

  /**
   * Attaches scenario state to this connection.
   *
   * @param value the state
   */
  public void attach(Object value) {
    this.attachment = value;
  }
}
