package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Joining a topic's history with its live messages ({@code subscribe} with {@code since}), against a broker whose
 * live delivery can lag behind its history, as Redis' PUB/SUB connection lags behind a history read on the command
 * connection: the two travel on different connections and threads.
 */
class RecoveryTest extends HubTestSupport {

    /**
     * A broker with an in-memory history; while {@link #lagging}, live deliveries wait in {@link #inFlight} until
     * {@link #deliverInFlight()}, as messages already in Redis' history and still on their way to this node.
     */
    private static final class LaggingHistoryBroker implements MessageBroker {
        final Map<String, List<MessageListener>> listeners = new ConcurrentHashMap<>();
        final List<Recovery.Publication> history = new CopyOnWriteArrayList<>();
        final List<Runnable> inFlight = new ArrayList<>();
        volatile boolean lagging;
        volatile String epoch = "e1";

        /** As Redis restarted empty: the history is gone, offsets start again under a new epoch. */
        synchronized void loseHistory() {
            history.clear();
            epoch = "e2";
        }

        @Override
        public synchronized CompletionStage<Void> publish(String topic, String payload) {
            Recovery.Publication publication = new Recovery.Publication(history.size() + 1, payload);
            history.add(publication);
            StreamPosition position = new StreamPosition(publication.offset(), epoch);
            for (MessageListener listener : listeners.getOrDefault(topic, List.of())) {
                Runnable delivery = () -> listener.onMessage(topic, payload, position);
                if (lagging) {
                    inFlight.add(delivery);
                } else {
                    delivery.run();
                }
            }
            return CompletableFuture.completedFuture(null);
        }

        synchronized void deliverInFlight() {
            inFlight.forEach(Runnable::run);
            inFlight.clear();
        }

        @Override
        public Subscription subscribe(String topic, MessageListener listener) {
            listeners.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(listener);
            return () -> listeners.get(topic).remove(listener);
        }

        @Override
        public boolean keepsHistory() {
            return true;
        }

        @Override
        public synchronized CompletionStage<Recovery> recover(String topic, StreamPosition since) {
            StreamPosition top = new StreamPosition(history.size(), epoch);
            if (since == null || !since.epoch().equals(epoch)) {
                return CompletableFuture.completedFuture(Recovery.notRecovered(top));
            }
            return CompletableFuture.completedFuture(new Recovery(true, top,
                    history.subList((int) since.offset(), history.size())));
        }
    }

    private LaggingHistoryBroker lagging;

    private void startWithLaggingBroker() {
        lagging = new LaggingHistoryBroker();
        hub = WebSocketHub.builder(config().build()).broker(lagging).build();
        hub.start();
    }

    private static List<Long> offsets(WsTestClient client, int count) throws Exception {
        List<Long> offsets = new ArrayList<>();
        while (offsets.size() < count) {
            JsonNode frame = client.next();
            assertThat(frame.path("op").asText()).as("frame %s", frame).isEqualTo("message");
            offsets.add(frame.path("offset").asLong());
        }
        return offsets;
    }

    /** Publishes offsets 1 to 3, then a new client subscribes since offset 0 and gets them from the history. */
    private WsTestClient publishThreeThenRecoverFromTheStart() throws Exception {
        for (int i = 1; i <= 3; i++) {
            lagging.publish("room:1", "{\"n\":" + i + "}");
        }
        WsTestClient recovering = roomClient();
        JsonNode reply = recovering.request(
                "{\"op\":\"subscribe\",\"topic\":\"room:1\",\"since\":{\"offset\":0,\"epoch\":\"e1\"}}");
        assertThat(reply.path("recovered").asBoolean()).as("reply %s", reply).isTrue();
        assertThat(offsets(recovering, 3)).as("from the history").containsExactly(1L, 2L, 3L);
        return recovering;
    }

    @Test
    void liveMessagesArrivingAfterTheHistoryRead_areNotSentTwice() throws Exception {
        startWithLaggingBroker();
        WsTestClient alreadyThere = roomClient();
        JsonNode first = subscribe(alreadyThere, "room:1");
        assertThat(first.path("offset").asLong()).isZero();
        lagging.lagging = true;
        WsTestClient recovering = publishThreeThenRecoverFromTheStart();
        lagging.deliverInFlight();
        lagging.lagging = false;
        lagging.publish("room:1", "{\"n\":4}");

        assertThat(offsets(recovering, 1)).as("after the history: only what it did not hold").containsExactly(4L);
        assertThat(recovering.nextWithin(200)).as("nothing more, no duplicate").isNull();
        assertThat(offsets(alreadyThere, 4)).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void historyLostBeforeAnyLiveMessage_newEpochMessagesAreSent_notTakenForDuplicates() throws Exception {
        startWithLaggingBroker();
        WsTestClient recovering = publishThreeThenRecoverFromTheStart();

        lagging.loseHistory();
        lagging.publish("room:1", "{\"n\":\"new\"}");

        JsonNode frame = recovering.next();
        assertThat(frame.path("epoch").asText()).as("frame %s", frame).isEqualTo("e2");
        assertThat(frame.path("offset").asLong()).isEqualTo(1);
    }
}
