package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ServiceConfigurationError;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** A failing broker is reported to the client, never acknowledged, and never leaves a half-registered topic. */
class BrokerFailureTest extends HubTestSupport {

    /** Delegates to an in-process broker, failing the operations a test switches on. */
    private static final class FlakyBroker implements MessageBroker {
        final InProcessBroker delegate = new InProcessBroker();
        volatile boolean refusePublish;
        volatile RuntimeException subscribeFailure;
        volatile Error subscribeError;

        @Override
        public CompletionStage<Void> publish(String topic, String payload) {
            if (refusePublish) {
                return CompletableFuture.failedFuture(new IllegalStateException("broker unavailable"));
            }
            return delegate.publish(topic, payload);
        }

        @Override
        public Subscription subscribe(String topic, MessageListener listener) {
            if (subscribeError != null) {
                throw subscribeError;
            }
            if (subscribeFailure != null) {
                throw subscribeFailure;
            }
            return delegate.subscribe(topic, listener);
        }
    }

    private FlakyBroker flaky;

    private void startWithFlakyBroker() {
        flaky = new FlakyBroker();
        hub = WebSocketHub.builder(config().build()).broker(flaky).build();
        hub.start();
        broker = flaky.delegate;
    }

    @Test
    void refusedPublish_isAnErrorFrame_notAnAck() throws Exception {
        startWithFlakyBroker();
        WsTestClient client = roomClient();
        flaky.refusePublish = true;

        JsonNode reply = client.request("{\"op\":\"publish\",\"topic\":\"room:1\",\"id\":8,\"payload\":1}");

        assertThat(reply).isEqualTo(json("{\"op\":\"error\",\"code\":\"publish_failed\","
                + "\"message\":\"the message broker did not accept the message\",\"id\":8}"));
        assertThat(hub.statistics().publishes()).isZero();
        assertThat(client.request("{\"op\":\"ping\"}").path("op").asText()).isEqualTo("pong");
    }

    @Test
    void refusedSubscription_isAnErrorFrame_andRegistersNothing() throws Exception {
        startWithFlakyBroker();
        WsTestClient client = roomClient();
        flaky.subscribeFailure = new IllegalStateException("broker unavailable");

        JsonNode reply = client.request("{\"op\":\"subscribe\",\"topic\":\"room:1\",\"id\":2}");

        assertThat(reply.path("code").asText()).isEqualTo("subscribe_failed");
        assertThat(hub.statistics().topics()).isZero();
        assertThat(hub.statistics().subscriptions()).isZero();
        client.closeNormally();
        awaitBaseline();
    }

    @Test
    void unexpectedFailure_closesWith1011_countsError_andStillCleansUp() throws Exception {
        startWithFlakyBroker();
        WsTestClient client = roomClient();
        subscribe(client, "room:kept");
        flaky.subscribeError = new ServiceConfigurationError("broker misconfigured");

        client.send("{\"op\":\"subscribe\",\"topic\":\"room:boom\"}");

        assertThat(client.awaitCloseCode()).isEqualTo(1011);
        awaitClosed(CloseReason.ERROR, 1);
        awaitBaseline();
    }
}
