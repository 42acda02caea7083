package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InProcessBrokerTest {

    @Test
    void publish_reachesEveryListenerOfTheTopicOnly() {
        InProcessBroker broker = new InProcessBroker();
        List<String> received = new ArrayList<>();
        broker.subscribe("a", (topic, payload) -> received.add("1:" + topic + ":" + payload));
        broker.subscribe("a", (topic, payload) -> received.add("2:" + topic + ":" + payload));
        broker.subscribe("b", (topic, payload) -> received.add("3:" + topic + ":" + payload));

        broker.publish("a", "{}").toCompletableFuture().join();

        assertThat(received).containsExactly("1:a:{}", "2:a:{}");
    }

    @Test
    void closingEverySubscription_emptiesTheBroker() {
        InProcessBroker broker = new InProcessBroker();
        MessageBroker.MessageListener same = (topic, payload) -> { };
        MessageBroker.Subscription first = broker.subscribe("a", same);
        MessageBroker.Subscription second = broker.subscribe("a", same);

        first.close();
        first.close();

        assertThat(broker.subscriptionCount()).as("closing twice removes one registration").isEqualTo(1);
        second.close();
        assertThat(broker.topicCount()).isZero();
        assertThat(broker.subscriptionCount()).isZero();
    }

    @Test
    void failingListener_doesNotStopTheOthersNorFailThePublisher() {
        InProcessBroker broker = new InProcessBroker();
        List<String> received = new ArrayList<>();
        broker.subscribe("a", (topic, payload) -> {
            throw new IllegalStateException("listener bug");
        });
        broker.subscribe("a", (topic, payload) -> received.add(payload));

        broker.publish("a", "1").toCompletableFuture().join();

        assertThat(received).containsExactly("1");
    }
}
