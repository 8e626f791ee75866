package org.erasure.cli.common;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Locale;
import java.util.UUID;
import org.erasure.client.dedupe.OpenRequests;
import org.erasure.client.identity.IdentifierResolver;
import org.erasure.client.identity.PostgresIdentifierResolver;
import org.erasure.client.publish.RequestPublisher;
import org.erasure.client.submit.SubmissionService;
import org.postgresql.ds.PGSimpleDataSource;

/** Straight-to-Kafka plumbing shared by {@code submit --direct} and {@code replay}. */
public final class Direct {

    private Direct() {}

    /** A publisher with a transactional.id of its own (a CLI run is one short-lived instance). */
    public static RequestPublisher publisher(CliSettings s) {
        return new RequestPublisher(s.kafka(), s.topics(), "erasurectl-" + UUID.randomUUID(), s.kafkaTimeout());
    }

    public static PGSimpleDataSource postgres(CliSettings s) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(s.postgresUrl());
        ds.setUser(s.postgresUser());
        ds.setPassword(s.postgresPassword());
        ds.setCurrentSchema(s.postgresSchema());
        ds.setConnectTimeout(10);
        return ds;
    }

    public static SubmissionService submissions(CliSettings s, RequestPublisher publisher, Clock clock) {
        SubmissionService.Resolution resolution;
        try {
            resolution = SubmissionService.Resolution.valueOf(s.string("direct.resolution").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "erasurectl.direct.resolution must be off, missing or always");
        }
        IdentifierResolver resolver = resolution == SubmissionService.Resolution.OFF ? null
                : new PostgresIdentifierResolver(postgres(s), s.string("direct.resolution-sql"));
        return new SubmissionService(publisher, resolver, new OpenRequests(clock),
                new SubmissionService.Options(resolution, s.bool("direct.reject-unknown"), false), clock, new SimpleMeterRegistry());
    }

    public static String operator(java.util.Map<String, String> env) {
        String user = env.getOrDefault("USER", System.getProperty("user.name", "unknown"));
        return "erasurectl:" + user;
    }
}
