package dev.steadfast.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-address and global caps refuse the handshake cleanly and release their slot on every ending. */
class ConnectionCapsTest extends HubTestSupport {

    @Test
    void perAddressCap_refusesTheNextUpgradeWith429() throws Exception {
        start(config().maxConnectionsPerAddress(2).maxConnections(10));
        WsTestClient first = roomClient();
        WsTestClient second = roomClient();

        RawHttp.Response response = RawHttp.exchange(hub.port(),
                RawHttp.upgradeRequest("/ws?access_token=" + token("u", List.of(), List.of())));

        assertThat(response.status()).isEqualTo(429);
        assertThat(response.header("Retry-After")).isNotBlank();
        assertThat(response.body()).contains("too many connections from your address (limit 2)");
        awaitClosed(CloseReason.CONNECTION_LIMIT, 1);
        assertThat(hub.statistics().webSockets()).isEqualTo(2);
        first.closeNormally();
        second.closeNormally();
        awaitBaseline();
    }

    @Test
    void globalCap_refusesTheNextUpgradeWith503() throws Exception {
        start(config().maxConnectionsPerAddress(1).maxConnections(1));
        WsTestClient only = roomClient();

        RawHttp.Response response = RawHttp.exchange(hub.port(),
                RawHttp.upgradeRequest("/ws?access_token=" + token("u", List.of(), List.of())));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).contains("the server is at its connection limit (1)");
        only.vanish();
        awaitBaseline();
    }

    @Test
    void capSlots_areReleasedByEveryEnding_soNewClientsFit() throws Exception {
        start(config().maxConnectionsPerAddress(3).maxConnections(3));
        for (int round = 0; round < 4; round++) {
            List<WsTestClient> batch = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                batch.add(roomClient());
            }
            batch.get(0).closeNormally();
            batch.get(1).vanish();
            batch.get(2).reset();
            awaitBaseline();
        }
        assertThat(hub.statistics().opened()).isEqualTo(12);
        assertThat(hub.statistics().closed(CloseReason.CONNECTION_LIMIT)).isZero();
    }

    @Test
    void oversizedHttpBody_is413() throws Exception {
        start(config().maxFrameSize(1024).maxMessageSize(1024));
        RawHttp.Response response = RawHttp.exchange(hub.port(), RawHttp.post(WebSocketHub.PUBLISH_PATH,
                "{\"topic\":\"room:1\",\"payload\":\"" + "z".repeat(4096) + "\"}", "X-Api-Key: " + API_KEY));

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.body()).isEqualTo("{\"error\":\"too_large\",\"message\":\"request body over 1024 bytes\"}");
        awaitClosed(CloseReason.MESSAGE_TOO_BIG, 1);
        awaitBaseline();
    }
}
