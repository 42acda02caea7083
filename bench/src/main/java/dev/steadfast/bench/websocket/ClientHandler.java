package dev.steadfast.bench.websocket;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** Per-connection client handler: completes the connect future, records the close code, hands text frames on. */
final class ClientHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
  private final CompletableFuture<ClientConnection> connected;
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final FrameListener listener;
  private ClientConnection connection;
  private volatile boolean closeInitiated;
  private int closeCode = ClientConnection.ABNORMAL_CLOSURE;

  ClientHandler(CompletableFuture<ClientConnection> connected, FrameListener listener) {
    this.connected = connected;
    this.listener = listener;
  }

  void closeInitiated() {
    closeInitiated = true;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    connection = new ClientConnection(ctx.channel(), closed);
    super.channelActive(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      connected.complete(connection);
    } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
      connected.completeExceptionally(new IOException("WebSocket handshake timed out"));
      ctx.close();
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
    if (frame instanceof TextWebSocketFrame text) {
      listener.onText(connection, text.text());
    } else if (frame instanceof CloseWebSocketFrame close) {
      closeCode = close.statusCode();
      if (closeInitiated) {
        ctx.close();
      } else {
        // Echo the close frame as RFC 6455 asks; the server then closes TCP.
        ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), ""))
            .addListener(ChannelFutureListener.CLOSE);
      }
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    connected.completeExceptionally(new IOException("connection closed before the WebSocket handshake completed"));
    closed.complete(closeCode);
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    connected.completeExceptionally(cause);
    ctx.close();
  }
}
