package org.erasure.client.dedupe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.erasure.events.Mode;
import org.junit.jupiter.api.Test;

class OpenRequestsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final OpenRequests open = new OpenRequests(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aRequestIsOpenUntilItsFinalRecordAndPerMode() {
        UUID r = UUID.randomUUID();
        open.opened("7", Mode.EXECUTE, r, NOW.minusSeconds(5), NOW.plus(Duration.ofDays(30)));
        assertThat(open.find("7", Mode.EXECUTE)).contains(r);
        assertThat(open.find("7", Mode.DRY_RUN)).isEmpty();
        open.close(r);
        assertThat(open.find("7", Mode.EXECUTE)).isEmpty();
    }

    @Test
    void theNewestRequestOfAContributorIsKeptWhateverTheOrderTheyAreReadIn() {
        UUID older = UUID.randomUUID();
        UUID newer = UUID.randomUUID();
        open.opened("7", Mode.EXECUTE, newer, NOW.minusSeconds(5), NOW.plus(Duration.ofDays(30)));
        open.opened("7", Mode.EXECUTE, older, NOW.minusSeconds(50), NOW.plus(Duration.ofDays(30)));
        assertThat(open.find("7", Mode.EXECUTE)).contains(newer);
        open.close(older);
        assertThat(open.find("7", Mode.EXECUTE)).contains(newer);
    }

    @Test
    void aFinalRecordReadBeforeItsRequestKeepsTheRequestClosed() {
        UUID r = UUID.randomUUID();
        open.close(r);
        open.opened("7", Mode.EXECUTE, r, NOW.minusSeconds(5), NOW.plus(Duration.ofDays(30)));
        assertThat(open.find("7", Mode.EXECUTE)).isEmpty();
    }

    @Test
    void aRequestPastItsDeadlineIsNotOpen() {
        open.opened("7", Mode.EXECUTE, UUID.randomUUID(), NOW.minus(Duration.ofDays(31)), NOW.minusSeconds(1));
        assertThat(open.find("7", Mode.EXECUTE)).isEmpty();
        UUID r = UUID.randomUUID();
        open.opened("8", Mode.EXECUTE, r, NOW.minus(Duration.ofDays(31)), NOW.plusSeconds(1));
        assertThat(open.find("8", Mode.EXECUTE)).contains(r);
        assertThat(OpenRequests.subject("8", Mode.DRY_RUN)).isEqualTo("8/DRY_RUN");
    }
}
