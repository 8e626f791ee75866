package org.erasure.sink.runtime.spi;

import java.util.Objects;
import java.util.UUID;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Identifiers;
import org.erasure.events.Mode;

/**
 * One request as a store sees it. {@link #toString()} redacts emails (via {@link Identifiers}).
 *
 * @param requestId     the request's id (the key of the store's result map)
 * @param contributorId the person's id (at most once per batch)
 * @param identifiers   emails and worker ids, treat as data: never concatenate into queries
 * @param mode          EXECUTE erases, DRY_RUN only counts
 */
public record ErasureItem(UUID requestId, String contributorId, Identifiers identifiers, Mode mode) {

    public ErasureItem {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(contributorId, "contributorId");
        Objects.requireNonNull(identifiers, "identifiers");
        Objects.requireNonNull(mode, "mode");
        if (mode == Mode.RESTORE) {
            // A restore must never reach erase(): ErasureBatch.executes() would take it for an erasure.
            throw new IllegalArgumentException("request " + requestId + " is a RESTORE: the runtime restores it, a store never erases it");
        }
    }

    /** @throws IllegalArgumentException for a request whose identifiers are still sealed (the runtime opens them first) */
    public static ErasureItem of(ContributorErasureRequested request) {
        if (request.hasSealedIdentifiers()) {
            throw new IllegalArgumentException("request " + request.requestId() + " has sealed identifiers: open them before building an item");
        }
        return new ErasureItem(request.requestId(), request.contributorId(), request.identifiers(), request.mode());
    }

    public boolean dryRun() {
        return mode == Mode.DRY_RUN;
    }
}
