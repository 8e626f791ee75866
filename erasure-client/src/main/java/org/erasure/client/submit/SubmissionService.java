package org.erasure.client.submit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Identifiers;
import org.erasure.events.RequestLane;
import org.erasure.client.dedupe.ContributorTurns;
import org.erasure.client.dedupe.OpenRequests;
import org.erasure.client.identity.IdentifierResolver;
import org.erasure.client.intake.ErasureItem;
import org.erasure.client.intake.IntakeError;
import org.erasure.client.publish.PublishException;
import org.erasure.client.publish.RequestPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns validated items into published requests: resolves identifiers (optional), returns open
 * requests instead of duplicates (optional), assigns requestIds and publishes the rest of the upload
 * in one Kafka transaction. Shared by the HTTP API and {@code erasurectl submit --direct}.
 *
 * <p>Calls are serialised: the open-request check and the publish of one upload must not interleave
 * with another upload's, or two concurrent requests for one person could both be published. Across
 * replicas, {@link ContributorTurns} gives the same guarantee per contributor and mode.
 */
public final class SubmissionService {

    private static final Logger log = LoggerFactory.getLogger(SubmissionService.class);

    /** When identifiers are looked up. */
    public enum Resolution {
        /** never */
        OFF,
        /** for items that carry no email or no worker id */
        MISSING,
        /** for every item, merged with what was given */
        ALWAYS
    }

    /**
     * @param rejectUnknown reject an item whose contributor is not found and that carries no email itself
     */
    public record Options(Resolution resolution, boolean rejectUnknown, boolean dedupeOpenRequests) {}

    private final RequestPublisher publisher;
    private final IdentifierResolver resolver;
    private final OpenRequests open;
    private final Options options;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final ContributorTurns turns;
    private final Duration timeout;

    /** One instance, open requests known only from its own publishes ({@code erasurectl submit --direct}). */
    public SubmissionService(RequestPublisher publisher, IdentifierResolver resolver, OpenRequests open,
                             Options options, Clock clock, MeterRegistry metrics) {
        this(publisher, resolver, open, options, clock, metrics, null, Duration.ofSeconds(15));
    }

    /**
     * @param turns   makes the open-request check and the publish one step per contributor across
     *                replicas, with open requests read from Kafka; null: this instance's publishes only
     * @param timeout how long a call may wait for its turn (then 503, nothing published)
     */
    public SubmissionService(RequestPublisher publisher, IdentifierResolver resolver, OpenRequests open,
                             Options options, Clock clock, MeterRegistry metrics, ContributorTurns turns, Duration timeout) {
        this.turns = turns;
        this.timeout = timeout;
        this.publisher = publisher;
        this.resolver = resolver;
        this.open = open;
        this.options = options;
        this.clock = clock;
        this.metrics = metrics;
        if (options.resolution() != Resolution.OFF && resolver == null) {
            throw new IllegalArgumentException("identifier resolution is on but no resolver is configured");
        }
    }

    /**
     * @param source      CSV or JSON, for error positions
     * @param requestedBy who asked (the token's name); goes into the events
     * @param publish     false: validate and resolve only
     * @throws org.erasure.client.publish.PublishException Kafka did not take the transaction (nothing published)
     * @throws IdentifierResolver.ResolutionException the identifier store failed (nothing published)
     */
    public synchronized SubmissionResult submit(List<ErasureItem> items, IntakeError.Source source, String requestedBy,
                                                boolean publish) {
        List<ErasureItem> resolved = new ArrayList<>(items);
        List<IntakeError> errors = new ArrayList<>();
        if (options.resolution() != Resolution.OFF) {
            resolve(resolved, errors, source);
        }
        if (!errors.isEmpty()) {
            metrics.counter("ingest.uploads.rejected", "source", source.name().toLowerCase()).increment();
            return new SubmissionResult.Rejected(errors);
        }
        if (!publish) {
            return new SubmissionResult.Validated(resolved.size());
        }
        // No turn needed without the open-request check, or when every item has an open request (nothing to publish).
        if (!options.dedupeOpenRequests() || turns == null
                || resolved.stream().allMatch(i -> open.find(i.contributorId(), i.mode()).isPresent())) {
            return publishNew(resolved, source, requestedBy, ContributorTurns.NONE);
        }
        Set<String> subjects = new TreeSet<>();
        resolved.forEach(i -> subjects.add(OpenRequests.subject(i.contributorId(), i.mode())));
        try (ContributorTurns.Turn turn = turns.take(subjects, clock.instant().plus(timeout))) {
            return publishNew(resolved, source, requestedBy, turn);
        }
    }

    /** Returns open requests for the items that have one and publishes the rest in one transaction. */
    private SubmissionResult publishNew(List<ErasureItem> resolved, IntakeError.Source source, String requestedBy,
                                        ContributorTurns.Turn turn) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        List<SubmissionResult.Submitted> results = new ArrayList<>();
        List<ContributorErasureRequested> events = new ArrayList<>();
        for (ErasureItem item : resolved) {
            Optional<UUID> existing = options.dedupeOpenRequests() ? open.find(item.contributorId(), item.mode()) : Optional.empty();
            if (existing.isPresent()) {
                results.add(new SubmissionResult.Submitted(item.position(), existing.get(), item.contributorId(), true));
                continue;
            }
            ContributorErasureRequested event = ContributorErasureRequested.builder()
                    .contributorId(item.contributorId())
                    .identifiers(new Identifiers(item.emails(), item.workerIds()))
                    .requestedAt(now)
                    .requestedBy(requestedBy)
                    .reason(item.reason())
                    .mode(item.mode())
                    .systems(item.systems())
                    .deadline(item.deadline())
                    .build();
            events.add(event);
            results.add(new SubmissionResult.Submitted(item.position(), event.requestId(), item.contributorId(), false));
        }
        if (!events.isEmpty() && !turn.lastsFor(timeout)) {
            // Past its lease another replica may already act for these contributors.
            throw new PublishException("waited too long for other calls on the same contributors; nothing was published", null);
        }
        Timer.Sample sample = Timer.start(metrics);
        // A CSV upload is bulk work whatever its reasons; a JSON request goes by its reason.
        turn.published(publisher.publishedUpTo(events, e -> source == IntakeError.Source.CSV ? RequestLane.BULK : RequestLane.forReason(e.reason())));
        sample.stop(metrics.timer("ingest.publish.latency", "source", source.name().toLowerCase()));
        for (ContributorErasureRequested e : events) {
            open.opened(e.contributorId(), e.mode(), e.requestId(), e.requestedAt(), e.deadline());
            log.info("Request published requestId={} contributorId={} mode={} requestedBy={}",
                    e.requestId(), e.contributorId(), e.mode(), requestedBy);
        }
        metrics.counter("ingest.requests.published", "source", source.name().toLowerCase()).increment(events.size());
        metrics.counter("ingest.requests.deduplicated", "source", source.name().toLowerCase())
                .increment(results.size() - events.size());
        return new SubmissionResult.Accepted(results);
    }

    private void resolve(List<ErasureItem> items, List<IntakeError> errors, IntakeError.Source source) {
        List<String> ids = new ArrayList<>();
        for (ErasureItem item : items) {
            if (needsResolution(item)) {
                ids.add(item.contributorId());
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        Map<String, IdentifierResolver.Found> found = resolver.resolve(ids);
        String field = source == IntakeError.Source.CSV ? "contributor_id" : "contributorId";
        for (int i = 0; i < items.size(); i++) {
            ErasureItem item = items.get(i);
            if (!needsResolution(item)) {
                continue;
            }
            IdentifierResolver.Found f = found.get(item.contributorId());
            if (f == null) {
                if (item.emails().isEmpty() && options.rejectUnknown()) {
                    errors.add(new IntakeError(source, item.position(), field, "no such contributor in PostgreSQL"));
                }
                continue;
            }
            LinkedHashSet<String> emails = new LinkedHashSet<>(item.emails());
            emails.addAll(f.emails());
            LinkedHashSet<String> workers = new LinkedHashSet<>(item.workerIds());
            workers.addAll(f.workerIds());
            items.set(i, item.withIdentifiers(List.copyOf(emails), List.copyOf(workers)));
        }
    }

    private boolean needsResolution(ErasureItem item) {
        return options.resolution() == Resolution.ALWAYS || item.emails().isEmpty() || item.workerIds().isEmpty();
    }
}
