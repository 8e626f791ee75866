package org.erasure.events;

import java.util.Locale;

/**
 * The two request topics. Interactive requests (a person closing their account, a user's own
 * request) go to {@link Topics#REQUESTS}; bulk work (inactivity purges, CSV uploads, replays) to
 * {@link Topics#REQUESTS_BULK}, so that it never delays them: sinks consume the lanes separately and
 * the bulk lane yields while the interactive lane has work. Both carry the same event, and each
 * lane's reports go to its own phase-completions topic, so the verifier can take them first too.
 */
public enum RequestLane {
    INTERACTIVE,
    BULK;

    /** The lane of a single request by its reason: inactivity purges are bulk work, the rest interactive. */
    public static RequestLane forReason(ErasureReason reason) {
        return reason == ErasureReason.INACTIVITY_PURGE ? BULK : INTERACTIVE;
    }

    public String topic(Topics topics) {
        return this == INTERACTIVE ? topics.requests() : topics.requestsBulk();
    }

    /** Where sinks report on this lane's requests. */
    public String phaseCompletionsTopic(Topics topics) {
        return this == INTERACTIVE ? topics.phaseCompletions() : topics.phaseCompletionsBulk();
    }

    public String deadLetterTopic(Topics topics) {
        return this == INTERACTIVE ? topics.requestsDlq() : topics.requestsBulkDlq();
    }

    /** Lower case, for metric tags, logs and config values. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
