package org.erasure.sink.runtime.spi;

import java.util.List;
import java.util.Objects;
import org.erasure.events.PhaseError;
import org.erasure.events.TargetResult;

/** What {@link ErasureStore#erase} did for one item. */
public sealed interface RequestResult {

    /**
     * Done (or estimated, for a dry run), one {@link TargetResult} per target.
     * EXECUTE: {@code TargetResult.erased(target, deleted, masked, 0)}; DRY_RUN: {@code TargetResult.dryRun(...)}.
     */
    record Erased(List<TargetResult> targets) implements RequestResult {
        public Erased {
            targets = List.copyOf(targets);
        }
    }

    /**
     * A permanent failure of this item; the rest of the batch goes on.
     *
     * @param code    machine-readable, {@code [A-Za-z0-9_.:-]{1,64}}, e.g. {@code PG_INVALID_ID}
     * @param message PII-free (no emails, names or query values)
     */
    record Failed(String code, String message) implements RequestResult {
        public Failed {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        public PhaseError toError() {
            return new PhaseError(code, message);
        }
    }

    static Erased erased(List<TargetResult> targets) {
        return new Erased(targets);
    }

    static Failed failed(String code, String message) {
        return new Failed(code, message);
    }
}
