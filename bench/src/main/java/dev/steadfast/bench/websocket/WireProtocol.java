package dev.steadfast.bench.websocket;

import java.net.URI;
import java.util.Map;

/**
 * How the load generator speaks to one kind of server: where to connect, how to subscribe and publish.
 *
 * <pre>{@code
 * WireProtocol raw = WireProtocol.rawEcho(URI.create("ws://127.0.0.1:9000/ws"));
 * connection.send(raw.subscribeFrame("fanout"));
 * }</pre>
 */
public interface WireProtocol {
  /** Returns where to connect, with the credentials the handshake needs. */
  LoadGenerator.Target target();

  /**
   * Returns the frame that subscribes to a topic.
   *
   * @param topic the topic
   * @return the frame text
   */
  String subscribeFrame(String topic);

  /**
   * Tells whether a received frame acknowledges the subscription.
   *
   * @param text the received frame
   * @return true for the acknowledgement
   */
  boolean isSubscribeAck(String text);

  /**
   * Returns the frame that publishes to a topic.
   *
   * @param topic the topic
   * @param payload the text to deliver (plain, no quotes or backslashes)
   * @return the frame text
   */
  String publishFrame(String topic, String payload);

  /**
   * The raw-Netty baseline's protocol: {@code join}, {@code joined}, {@code broadcast:<text>} (one group).
   *
   * @param uri the server's ws:// URI
   * @return the protocol
   */
  static WireProtocol rawEcho(URI uri) {
    LoadGenerator.Target target = new LoadGenerator.Target(uri, Map.of());
    return new WireProtocol() {
      @Override
      public LoadGenerator.Target target() {
        return target;
      }

      @Override
      public String subscribeFrame(String topic) {
        return "join";
      }

      @Override
      public boolean isSubscribeAck(String text) {
        return "joined".equals(text);
      }

      @Override
      public String publishFrame(String topic, String payload) {
        return "broadcast:" + payload;
      }
    };
  }

  /**
   * The Steadfast hub's JSON protocol, authenticated with a bearer token that may subscribe and publish on the
   * topics used.
   *
   * @param uri the hub's ws:// URI
   * @param token an HS256 token accepted by the hub
   * @return the protocol
   */
  static WireProtocol steadfast(URI uri, String token) {
    LoadGenerator.Target target = new LoadGenerator.Target(uri, Map.of("Authorization", "Bearer " + token));
    return new WireProtocol() {
      @Override
      public LoadGenerator.Target target() {
        return target;
      }

      @Override
      public String subscribeFrame(String topic) {
        return "{\"op\":\"subscribe\",\"topic\":\"" + topic + "\"}";
      }

      @Override
      public boolean isSubscribeAck(String text) {
        return text.contains("\"op\":\"subscribed\"");
      }

      @Override
      public String publishFrame(String topic, String payload) {
        return "{\"op\":\"publish\",\"topic\":\"" + topic + "\",\"payload\":\"" + payload + "\"}";
      }
    };
  }
}
