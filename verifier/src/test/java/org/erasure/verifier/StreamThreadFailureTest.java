package org.erasure.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.erasure.verifier.topology.KeyStoreUnavailable;
import org.junit.jupiter.api.Test;

/** What the verifier does when its stream thread dies: a key-store outage is retried, anything else stops the instance. */
class StreamThreadFailureTest {

    @Test
    void aKeyStoreOutageReplacesTheThreadAnythingElseShutsDown() {
        StreamsException outage = new StreamsException("Exception caught in process",
                new KeyStoreUnavailable(UUID.randomUUID(), new IllegalStateException("key topic did not answer")));
        assertThat(VerifierService.onStreamThreadFailure(outage)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(VerifierService.onStreamThreadFailure(new StreamsException(new IllegalStateException("corrupt state"))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }
}
