package org.erasure.verifier.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.erasure.events.Phase;
import org.erasure.events.serde.EventJson;
import org.junit.jupiter.api.Test;

/** A peer's answer, read back from JSON, lists phases in the declared order, as the local one does. */
class InFlightTest {

    @Test
    void aPeersAnswerListsPhasesInTheirDeclaredOrder() throws Exception {
        ObjectMapper json = EventJson.newMapper();
        String peer = """
                {"instance":"peer:1","total":1,"requests":[{"requestId":"6f1c1f52-7d0e-4f7e-9a39-0c5f1f0e2a11","contributorId":"c-1",
                 "mode":"EXECUTE","requestedAt":"2026-03-01T10:00:00Z","deadline":"2026-03-31T10:00:00Z","dueAt":"2026-03-31T10:00:00Z",
                 "missing":["REDIS","CLICKHOUSE","ELASTICSEARCH"],"phases":{"S3":"SUCCEEDED","POSTGRES":"STARTED","REDIS":"WAITING"}}]}
                """;
        InFlight back = json.readValue(peer, InFlight.class);
        InFlight.Request r = back.requests().getFirst();
        assertThat(r.missing()).containsExactly(Phase.ELASTICSEARCH, Phase.CLICKHOUSE, Phase.REDIS);
        assertThat(r.phases().keySet()).containsExactly(Phase.POSTGRES, Phase.S3, Phase.REDIS);
        assertThat(json.writeValueAsString(back)).contains("\"missing\":[\"ELASTICSEARCH\",\"CLICKHOUSE\",\"REDIS\"]");
    }
}
