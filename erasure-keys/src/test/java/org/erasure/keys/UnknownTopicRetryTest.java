package org.erasure.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/** {@link KafkaKeyStore#whileTopicUnknown}: the bounded retry of describeConfigs on a just-created key topic (unit). */
class UnknownTopicRetryTest {

    private static ExecutionException unknown() {
        return new ExecutionException(new UnknownTopicOrPartitionException("not yet"));
    }

    @Test
    void anUnknownTopicIsAskedAgainWithGrowingWaitsUntilItIsKnown() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        long start = System.nanoTime();
        String answer = KafkaKeyStore.whileTopicUnknown(Duration.ofSeconds(10), () -> {
            if (calls.incrementAndGet() < 4) throw unknown();
            return "described";
        });
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(answer).isEqualTo("described");
        assertThat(calls).hasValue(4);
        // waits 50 + 100 + 200 ms (exponential), not 3 x a fixed step
        assertThat(elapsedMs).isGreaterThanOrEqualTo(350).isLessThan(3_000);
    }

    @Test
    void anUnknownTopicIsNotAskedPastTheTimeout() {
        AtomicInteger calls = new AtomicInteger();
        long start = System.nanoTime();
        assertThatThrownBy(() -> KafkaKeyStore.whileTopicUnknown(Duration.ofMillis(800), () -> {
            calls.incrementAndGet();
            throw unknown();
        })).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(elapsedMs).isGreaterThanOrEqualTo(800).isLessThan(800 + KafkaKeyStore.UNKNOWN_TOPIC_MAX_WAIT.toMillis() + 1_500);
        assertThat(calls.get()).isBetween(3, 10);
    }

    @Test
    void anyOtherFailureIsThrownAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> KafkaKeyStore.whileTopicUnknown(Duration.ofSeconds(10), () -> {
            calls.incrementAndGet();
            throw new ExecutionException(new TopicAuthorizationException("denied"));
        })).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> KafkaKeyStore.whileTopicUnknown(Duration.ofSeconds(10), () -> {
            calls.incrementAndGet();
            throw new java.util.concurrent.TimeoutException("slow");
        })).isInstanceOf(java.util.concurrent.TimeoutException.class);
        assertThat(calls).hasValue(2);
    }
}
