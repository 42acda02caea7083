package dev.steadfast.bench.websocket;

/**
 * Receives the text frames of a {@link ClientConnection}, on the connection's event loop (do not block).
 *
 * <pre>{@code
 * FrameListener listener = (connection, text) -> received.incrementAndGet();
 * }</pre>
 */
@FunctionalInterface
public interface FrameListener {
  /** A listener that ignores every frame. */
  FrameListener IGNORE = (connection, text) -> { };

  /**
   * Called for each text frame.
   *
   * @param connection the connection that received it
   * @param text the frame's text
   */
  void onText(ClientConnection connection, String text);
}
