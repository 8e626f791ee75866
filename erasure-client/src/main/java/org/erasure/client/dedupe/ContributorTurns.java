package org.erasure.client.dedupe;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.erasure.client.coordination.ClaimLog;
import org.erasure.client.publish.PublishException;

/**
 * Makes "is a request for this contributor open? if not, publish one" a single step per contributor
 * and mode, across replicas: a call takes a turn on its subjects on the claims topic (waiting for any
 * earlier call holding one of them), then waits until the requests topics are read up to date here
 * (so a request that the previous holder published is seen as open), then checks and publishes.
 *
 * <p>Without a claims log (one instance) the turn is only the wait for the requests topics;
 * {@code SubmissionService} serialises the calls of one instance itself.
 */
public final class ContributorTurns {

    /** Held while a call checks and publishes; close it afterwards. */
    public interface Turn extends AutoCloseable {
        /** True when {@code work} can still finish before other replicas may take over. */
        boolean lastsFor(Duration work);

        /**
         * What the holder published (per partition, the offset after its last record): the turn is released only once
         * it is read here, so the next holder, on any replica, finds it open (a commit is visible a moment after it returns).
         */
        default void published(Map<TopicPartition, Long> upTo) {
        }

        @Override
        void close();
    }

    /** No turn: one instance without claims, or nothing to publish. */
    public static final Turn NONE = new Turn() {
        @Override
        public boolean lastsFor(Duration work) {
            return true;
        }

        @Override
        public void close() {
        }
    };

    private final ClaimLog claims;
    private final OpenRequestFollower follower;

    /**
     * @param claims   null for one instance
     * @param follower what keeps the open requests current
     */
    public ContributorTurns(ClaimLog claims, OpenRequestFollower follower) {
        this.claims = claims;
        this.follower = follower;
    }

    /**
     * @param subjects {@link OpenRequests#subject} of every item of the call
     * @throws PublishException the turn did not come, or the requests topics were not read, by {@code deadline}
     */
    public Turn take(Set<String> subjects, Instant deadline) {
        Turn turn;
        if (claims == null) {
            turn = NONE;
        } else {
            ClaimLog.Turn claimed;
            try {
                claimed = claims.takeTurn(subjects, deadline);
            } catch (ClaimLog.Unavailable e) {
                throw new PublishException(e.getMessage(), e);
            }
            turn = new Turn() {
                private Map<TopicPartition, Long> published = Map.of();

                @Override
                public boolean lastsFor(Duration work) {
                    return claimed.lastsFor(work);
                }

                @Override
                public void published(Map<TopicPartition, Long> upTo) {
                    published = upTo;
                }

                @Override
                public void close() {
                    try {
                        // Bounded by the lease: past it another replica may take over anyway.
                        follower.awaitRead(published, deadline);
                    } finally {
                        claimed.close();
                    }
                }
            };
        }
        if (!follower.awaitCurrent(deadline)) {
            turn.close();
            throw new PublishException("the requests topics were not read up to date in time; nothing was published", null);
        }
        return turn;
    }
}
