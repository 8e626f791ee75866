package org.erasure.events;

import java.util.regex.Pattern;

/**
 * Topic names in one place. Environments share a cluster by prefix:
 * {@code Topics.withPrefix("acme.").requests()} is {@code acme.erasure.requests}.
 *
 * @param prefix prepended to every topic name; "" by default
 */
public record Topics(String prefix) {
    /** Key: contributorId. Value: {@link ContributorErasureRequested}. */
    public static final String REQUESTS = "erasure.requests";
    /**
     * The bulk lane. Key: contributorId. Value: {@link ContributorErasureRequested}, like
     * {@link #REQUESTS}. Inactivity purges, CSV uploads and replays go here so that a person who
     * closes their account (the interactive lane, {@link #REQUESTS}) never waits behind them: sinks
     * consume both lanes independently and the bulk lane yields while the interactive lane has work.
     */
    public static final String REQUESTS_BULK = "erasure.requests.bulk";
    /** Key: requestId. Value: {@link PhaseCompleted}: the reports for requests of the interactive lane. */
    public static final String PHASE_COMPLETIONS = "erasure.phase-completions";
    /**
     * Key: requestId. Value: {@link PhaseCompleted}: the reports for requests of the bulk lane. A
     * separate topic so that the verifier can take an interactive report before a backlog of bulk
     * reports (within one partition, records are read in order).
     */
    public static final String PHASE_COMPLETIONS_BULK = "erasure.phase-completions.bulk";
    /** Key: requestId. Value: {@link ErasureCompleted} (hash-chained per partition). */
    public static final String COMPLETIONS = "erasure.completions";
    /** Appended to a topic name to get its dead-letter topic. */
    public static final String DLQ_SUFFIX = ".dlq";

    private static final Pattern LEGAL = Pattern.compile("[A-Za-z0-9._-]*");
    /** Kafka's limit is 249; leave room for the longest name plus ".dlq" and a version suffix. */
    private static final int MAX_PREFIX = 249 - (PHASE_COMPLETIONS_BULK.length() + DLQ_SUFFIX.length() + 8);

    /** No prefix. Declared after LEGAL/MAX_PREFIX: static initialisation runs in textual order. */
    public static final Topics DEFAULT = new Topics("");

    public Topics {
        prefix = prefix == null ? "" : prefix;
        if (!LEGAL.matcher(prefix).matches()) {
            throw new IllegalArgumentException("topic prefix may only contain ASCII letters, digits, '.', '_' and '-'");
        }
        if (prefix.length() > MAX_PREFIX) {
            throw new IllegalArgumentException("topic prefix longer than " + MAX_PREFIX + " characters");
        }
    }

    public static Topics withPrefix(String prefix) {
        return new Topics(prefix);
    }

    public String requests() {
        return prefix + REQUESTS;
    }

    /** The bulk lane (see {@link #REQUESTS_BULK}). */
    public String requestsBulk() {
        return prefix + REQUESTS_BULK;
    }

    /** Both request lanes, interactive first. */
    public java.util.List<String> requestLanes() {
        return java.util.List.of(requests(), requestsBulk());
    }

    public String phaseCompletions() {
        return prefix + PHASE_COMPLETIONS;
    }

    /** The bulk lane's reports (see {@link #PHASE_COMPLETIONS_BULK}). */
    public String phaseCompletionsBulk() {
        return prefix + PHASE_COMPLETIONS_BULK;
    }

    /** Both report topics, interactive first: whoever follows every sink report reads both. */
    public java.util.List<String> phaseCompletionLanes() {
        return java.util.List.of(phaseCompletions(), phaseCompletionsBulk());
    }

    public String completions() {
        return prefix + COMPLETIONS;
    }

    /** Where sinks put requests they cannot read. */
    public String requestsDlq() {
        return dlq(requests());
    }

    /** Where sinks put bulk-lane requests they cannot read. */
    public String requestsBulkDlq() {
        return dlq(requestsBulk());
    }

    /** Where the verifier puts phase completions it cannot read. */
    public String phaseCompletionsDlq() {
        return dlq(phaseCompletions());
    }

    /** Where the verifier puts bulk-lane phase completions it cannot read. */
    public String phaseCompletionsBulkDlq() {
        return dlq(phaseCompletionsBulk());
    }

    /** Where readers of the audit topic put records they cannot read. */
    public String completionsDlq() {
        return dlq(completions());
    }

    /** The dead-letter topic of any topic: {@code topic + ".dlq"}. */
    public static String dlq(String topic) {
        return topic + DLQ_SUFFIX;
    }

    /**
     * Topic for a schema version: version 1 uses the plain name; a breaking change (version N &gt; 1)
     * gets its own topic {@code name + ".vN"}, so old consumers never see records they cannot read.
     */
    public static String versioned(String topic, int schemaVersion) {
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be >= 1");
        }
        return schemaVersion == 1 ? topic : topic + ".v" + schemaVersion;
    }
}
