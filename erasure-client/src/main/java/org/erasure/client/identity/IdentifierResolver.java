package org.erasure.client.identity;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Looks up the identifiers the stores know a contributor by. */
public interface IdentifierResolver {

    /** Emails and worker ids of one contributor, as found. */
    record Found(List<String> emails, List<String> workerIds) {}

    /**
     * @return found identifiers by contributor id; contributors not found are absent
     * @throws ResolutionException when the lookup itself failed (store unreachable...)
     */
    Map<String, Found> resolve(Collection<String> contributorIds);

    /** Health probe: true when the store answers. */
    default boolean healthy() {
        return true;
    }

    final class ResolutionException extends RuntimeException {
        public ResolutionException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
