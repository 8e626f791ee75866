package org.erasure.client.intake;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;

/**
 * One validated erasure to publish: what the caller asked for, before identifier resolution and
 * before a requestId is assigned.
 *
 * @param position  line (CSV) or item (JSON) it came from, for error messages
 * @param systems   phases, or null for all
 * @param deadline  explicit deadline, or null for the default
 */
public record ErasureItem(int position, String contributorId, List<String> emails, List<String> workerIds,
                          ErasureReason reason, Mode mode, Set<Phase> systems, Instant deadline) {

    public ErasureItem {
        emails = List.copyOf(emails);
        workerIds = List.copyOf(workerIds);
        systems = systems == null ? null : Phase.sortedSet(systems); // phase order, not Set.copyOf's per-JVM order
    }

    public ErasureItem withIdentifiers(List<String> emails, List<String> workerIds) {
        return new ErasureItem(position, contributorId, emails, workerIds, reason, mode, systems, deadline);
    }

    @Override
    public String toString() {
        return "ErasureItem[position=" + position + ", contributorId=" + contributorId + ", emails=" + emails.size()
                + " redacted, workerIds=" + workerIds.size() + ", mode=" + mode + "]";
    }
}
