package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON protocol: ops, replies, and bad input answered with an error frame on a connection that stays open. */
class ProtocolTest extends HubTestSupport {

    @Test
    void publish_isAckedWithTheClientsId_andDeliveredToSubscribers() throws Exception {
        start();
        WsTestClient subscriber = roomClient();
        WsTestClient publisher = roomClient();
        subscribe(subscriber, "room:1");

        JsonNode ack = publisher.request(
                "{\"op\":\"publish\",\"topic\":\"room:1\",\"id\":\"p-42\",\"payload\":{\"text\":\"hi\",\"n\":[1,2]}}");

        assertThat(ack).isEqualTo(json("{\"op\":\"ack\",\"id\":\"p-42\",\"topic\":\"room:1\"}"));
        assertThat(subscriber.next())
                .isEqualTo(json("{\"op\":\"message\",\"topic\":\"room:1\",\"payload\":{\"text\":\"hi\",\"n\":[1,2]}}"));
        assertThat(hub.statistics().publishes()).isEqualTo(1);
        assertThat(hub.statistics().messagesOut()).isEqualTo(1);
    }

    @Test
    void publisherSubscribedToItsTopic_receivesItsOwnMessage() throws Exception {
        start();
        WsTestClient client = roomClient();
        subscribe(client, "room:echo");

        client.send("{\"op\":\"publish\",\"topic\":\"room:echo\",\"id\":1,\"payload\":\"me\"}");

        JsonNode first = client.next();
        JsonNode second = client.next();
        assertThat(List.of(first.path("op").asText(), second.path("op").asText()))
                .containsExactlyInAnyOrder("ack", "message");
    }

    @Test
    void subscribe_isAnsweredWithSubscribed_andRegistersOnceInHubAndBroker() throws Exception {
        start();
        WsTestClient client = roomClient();

        JsonNode reply = client.request("{\"op\":\"subscribe\",\"topic\":\"room:7\",\"id\":3}");
        client.request("{\"op\":\"subscribe\",\"topic\":\"room:7\",\"id\":4}");

        assertThat(reply).isEqualTo(json("{\"op\":\"subscribed\",\"id\":3,\"topic\":\"room:7\"}"));
        assertThat(hub.statistics().subscriptions()).as("subscribing twice is one subscription").isEqualTo(1);
        assertThat(broker.subscriptionCount()).as("one broker subscription per hub topic").isEqualTo(1);
    }

    @Test
    void unsubscribe_stopsDelivery_andReleasesTheTopic() throws Exception {
        start();
        WsTestClient client = roomClient();
        subscribe(client, "room:9");

        JsonNode reply = client.request("{\"op\":\"unsubscribe\",\"topic\":\"room:9\",\"id\":\"u\"}");
        hub.publish("room:9", "{\"late\":true}").toCompletableFuture().join();

        assertThat(reply).isEqualTo(json("{\"op\":\"unsubscribed\",\"id\":\"u\",\"topic\":\"room:9\"}"));
        assertThat(client.nextWithin(300)).as("no message after unsubscribe").isNull();
        assertThat(hub.statistics().topics()).isZero();
        assertThat(broker.topicCount()).isZero();
    }

    @Test
    void ping_isAnsweredWithPongCarryingTheId() throws Exception {
        start();
        WsTestClient client = roomClient();

        assertThat(client.request("{\"op\":\"ping\",\"id\":\"abc\"}"))
                .isEqualTo(json("{\"op\":\"pong\",\"id\":\"abc\"}"));
    }

    @Test
    void invalidJson_getsAnErrorFrame_andTheConnectionStays() throws Exception {
        start();
        WsTestClient client = roomClient();

        JsonNode error = client.request("{\"op\":\"subscribe\",");

        assertThat(error.path("op").asText()).isEqualTo("error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_json");
        assertThat(error.path("message").asText()).startsWith("message is not valid JSON");
        assertThat(client.request("{\"op\":\"ping\"}").path("op").asText()).isEqualTo("pong");
        assertThat(hub.statistics().closedTotal()).isZero();
    }

    @Test
    void unknownOp_getsAnErrorFrameNamingTheValidOps_andTheConnectionStays() throws Exception {
        start();
        WsTestClient client = roomClient();

        JsonNode error = client.request("{\"op\":\"dance\",\"id\":9}");

        assertThat(error.path("code").asText()).isEqualTo("unknown_op");
        assertThat(error.path("message").asText())
                .isEqualTo("unknown op 'dance'; expected one of subscribe, unsubscribe, publish, ping");
        assertThat(error.path("id").asInt()).isEqualTo(9);
        assertThat(client.request("{\"op\":\"ping\"}").path("op").asText()).isEqualTo("pong");
    }

    @Test
    void nonObjectMessage_getsBadRequest() throws Exception {
        start();
        WsTestClient client = roomClient();

        JsonNode error = client.request("[1,2,3]");

        assertThat(error.path("code").asText()).isEqualTo("bad_request");
        assertThat(error.path("message").asText()).contains("JSON object");
    }

    @Test
    void missingOp_getsBadRequest() throws Exception {
        start();
        WsTestClient client = roomClient();

        assertThat(client.request("{\"topic\":\"room:1\"}").path("message").asText())
                .isEqualTo("missing \"op\"; expected one of subscribe, unsubscribe, publish, ping");
    }

    @Test
    void publishWithoutPayload_getsBadRequest() throws Exception {
        start();
        WsTestClient client = roomClient();

        JsonNode error = client.request("{\"op\":\"publish\",\"topic\":\"room:1\",\"id\":1}");

        assertThat(error.path("code").asText()).isEqualTo("bad_request");
        assertThat(error.path("message").asText()).contains("\"payload\"");
        assertThat(hub.statistics().publishes()).isZero();
    }

    @Test
    void wildcardTopic_isRejectedAsInvalid() throws Exception {
        start();
        WsTestClient client = roomClient();

        JsonNode error = client.request("{\"op\":\"subscribe\",\"topic\":\"room:*\"}");

        assertThat(error.path("code").asText()).isEqualTo("invalid_topic");
        assertThat(error.path("message").asText()).contains("must not contain '*'");
        assertThat(hub.statistics().subscriptions()).isZero();
    }

    @Test
    void overlongTopic_isRejectedAsInvalid() throws Exception {
        start();
        WsTestClient client = roomClient();

        JsonNode error = client.request("{\"op\":\"subscribe\",\"topic\":\"room:" + "x".repeat(300) + "\"}");

        assertThat(error.path("code").asText()).isEqualTo("invalid_topic");
        assertThat(error.path("message").asText()).contains("at most 256 characters");
    }

    @Test
    void subscriptionCap_refusesTheNextSubscribe_andKeepsTheConnection() throws Exception {
        start(config().maxSubscriptionsPerConnection(2));
        WsTestClient client = roomClient();
        subscribe(client, "room:1");
        subscribe(client, "room:2");

        JsonNode error = client.request("{\"op\":\"subscribe\",\"topic\":\"room:3\",\"id\":\"third\"}");

        assertThat(error.path("code").asText()).isEqualTo("subscription_limit");
        assertThat(error.path("message").asText())
                .isEqualTo("subscription limit of 2 topics reached; unsubscribe first");
        assertThat(hub.statistics().subscriptions()).isEqualTo(2);
        client.request("{\"op\":\"unsubscribe\",\"topic\":\"room:1\"}");
        subscribe(client, "room:3");
    }

    @Test
    void messageFrame_isEncodedOnceAndReachesEverySubscriber() throws Exception {
        start();
        List<WsTestClient> subscribers = List.of(roomClient(), roomClient(), roomClient());
        for (WsTestClient subscriber : subscribers) {
            subscribe(subscriber, "room:all");
        }

        hub.publish("room:all", "{\"n\":1}").toCompletableFuture().join();

        for (WsTestClient subscriber : subscribers) {
            assertThat(subscriber.next().path("payload").path("n").asInt()).isEqualTo(1);
        }
        assertThat(hub.statistics().messagesOut()).isEqualTo(3);
    }
}
