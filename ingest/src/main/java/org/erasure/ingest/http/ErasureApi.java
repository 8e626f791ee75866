package org.erasure.ingest.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.erasure.events.ErasureReason;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.Mode;
import org.erasure.ingest.auth.Role;
import org.erasure.ingest.auth.TokenAuthenticator;
import org.erasure.ingest.idempotency.Idempotency;
import org.erasure.client.identity.IdentifierResolver;
import org.erasure.client.intake.CsvIntake;
import org.erasure.client.intake.Intake;
import org.erasure.client.intake.IntakeError;
import org.erasure.client.intake.RequestValidator;
import org.erasure.client.publish.PublishException;
import org.erasure.client.submit.SubmissionResult;
import org.erasure.client.submit.SubmissionService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code /v1/erasures} routes. */
final class ErasureApi {

    private static final Logger log = LoggerFactory.getLogger(ErasureApi.class);
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final ObjectMapper json;
    /**
     * Strict: a second value after the first ({@code {..}{..}}) or a repeated field name would
     * otherwise be dropped silently (Jackson keeps the first value, or the last duplicate), and what
     * was validated would not be what the client sent.
     */
    private final ObjectReader requestReader;
    private final TokenAuthenticator auth;
    private final RequestValidator validator;
    private final CsvIntake csv;
    private final SubmissionService submissions;
    private final Idempotency idempotency;
    private final VerifierClient verifier;
    private final long maxBodyBytes;
    private Restores restores; // null: restore not offered

    ErasureApi(ObjectMapper json, TokenAuthenticator auth, RequestValidator validator, CsvIntake csv,
               SubmissionService submissions, Idempotency idempotency, VerifierClient verifier, long maxBodyBytes) {
        this.json = json;
        this.requestReader = json.reader()
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        this.auth = auth;
        this.validator = validator;
        this.csv = csv;
        this.submissions = submissions;
        this.idempotency = idempotency;
        this.verifier = verifier;
        this.maxBodyBytes = maxBodyBytes;
    }

    void register(Javalin app) {
        app.post("/v1/erasures", this::postJson);
        app.post("/v1/erasures/csv", this::postCsv);
        app.get("/v1/erasures/{requestId}", this::getStatus);
        app.post("/v1/erasures/{requestId}/restore", this::postRestore);
    }

    private void postJson(Context ctx) {
        TokenAuthenticator.Client client = require(ctx, Role.SUBMIT);
        byte[] body = body(ctx);
        boolean validateOnly = flag(ctx, "validateOnly");
        idempotent(ctx, client, body, () -> {
            JsonNode node;
            try {
                node = body.length == 0 ? null : requestReader.readTree(body);
            } catch (IOException e) {
                // Jackson's message quotes the input: never pass it on.
                return rejected(List.of(IntakeError.json(0, null, jsonProblem(e))));
            }
            Intake intake = validator.validate(node);
            return answer(intake, IntakeError.Source.JSON, client, validateOnly);
        });
    }

    /** What is wrong with an unparsable body, in words that never quote it. */
    private static String jsonProblem(IOException e) {
        String original = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : null;
        if (original != null && original.startsWith("Duplicate field")) {
            return "not valid JSON: a field appears twice in one object";
        }
        if (original != null && original.startsWith("Trailing token")) {
            return "not valid JSON: more than one JSON value (send one object or one array)";
        }
        return "not valid JSON";
    }

    private void postCsv(Context ctx) {
        TokenAuthenticator.Client client = require(ctx, Role.SUBMIT);
        byte[] body = body(ctx);
        boolean validateOnly = flag(ctx, "validateOnly");
        Mode mode = modeParam(ctx);
        ErasureReason reason = enumParam(ctx, "reason", ErasureReason.class);
        idempotent(ctx, client, body, () -> answer(csv.parse(body, mode, reason), IntakeError.Source.CSV, client, validateOnly));
    }

    ErasureApi restoringWith(Restores restores) {
        this.restores = restores;
        return this;
    }

    /** Role admin: publishes a RESTORE of the erasure (Restores); 202 with the new requestId to follow with GET. */
    private void postRestore(Context ctx) {
        TokenAuthenticator.Client client = require(ctx, Role.ADMIN);
        UUID id;
        try {
            id = UUID.fromString(ctx.pathParam("requestId"));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "requestId must be a UUID");
        }
        if (restores == null) {
            throw new ApiException(501, "restore is not offered by this ingest");
        }
        ContributorErasureRequested restore = restores.restore(id, client.name());
        log.info("Restore published requestId={} replayOf={} contributorId={} by={}", restore.requestId(), id, restore.contributorId(), client.name());
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("requestId", restore.requestId().toString());
        body.put("replayOf", id.toString());
        body.put("contributorId", restore.contributorId());
        body.put("mode", Mode.RESTORE.name());
        body.put("status", "PUBLISHED");
        try {
            ctx.status(202).contentType("application/json").result(json.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void getStatus(Context ctx) {
        require(ctx, Role.READ);
        UUID id;
        try {
            id = UUID.fromString(ctx.pathParam("requestId"));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "requestId must be a UUID");
        }
        VerifierClient.Answer a = verifier.status(id);
        if (a.unreachable()) {
            throw new ApiException(503, "the verifier is unreachable (" + a.body() + "); try again later");
        }
        switch (a.status()) {
            case 200 -> ctx.status(200).contentType("application/json").result(a.body());
            case 404 -> throw new ApiException(404, "unknown requestId (not seen by the verifier yet)");
            default -> throw new ApiException(502, "the verifier answered HTTP " + a.status());
        }
    }

    // ---- answers ----

    private record Reply(int status, Object body) {}

    private Reply answer(Intake intake, IntakeError.Source source, TokenAuthenticator.Client client, boolean validateOnly) {
        if (intake instanceof Intake.Rejected r) {
            return rejected(r.errors());
        }
        Intake.Accepted accepted = (Intake.Accepted) intake;
        SubmissionResult result;
        try {
            result = submissions.submit(accepted.items(), source, client.name(), !validateOnly);
        } catch (PublishException e) {
            log.warn("publish failed: {}", e.getMessage());
            throw new ApiException(503, "Kafka did not accept the requests; nothing was published. Retry later (with the same Idempotency-Key).");
        } catch (IdentifierResolver.ResolutionException e) {
            log.warn("identifier resolution failed: {}", e.getMessage());
            throw new ApiException(503, "identifier lookup failed; nothing was published. Retry later.");
        }
        return switch (result) {
            case SubmissionResult.Rejected r -> rejected(r.errors());
            case SubmissionResult.Validated v -> new Reply(200, Map.of("valid", true, "items", v.items()));
            case SubmissionResult.Accepted a -> {
                List<Map<String, Object>> requests = new ArrayList<>();
                for (SubmissionResult.Submitted s : a.requests()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put(source == IntakeError.Source.CSV ? "line" : "item", s.position());
                    m.put("requestId", s.requestId().toString());
                    m.put("contributorId", s.contributorId());
                    m.put("status", s.existing() ? "EXISTING" : "PUBLISHED");
                    requests.add(m);
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("published", a.published());
                body.put("existing", a.requests().size() - a.published());
                body.put("requests", requests);
                yield new Reply(202, body);
            }
        };
    }

    private static Reply rejected(List<IntakeError> errors) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (IntakeError e : errors) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (e.position() > 0) {
                m.put(e.source() == IntakeError.Source.CSV ? "line" : "item", e.position());
            }
            if (e.field() != null) {
                m.put(e.source() == IntakeError.Source.CSV ? "column" : "field", e.field());
            }
            m.put("problem", e.problem());
            m.put("message", e.message());
            list.add(m);
        }
        return new Reply(400, Map.of("error", "validation failed; nothing was published", "errors", list));
    }

    // ---- plumbing ----

    private void idempotent(Context ctx, TokenAuthenticator.Client client, byte[] body, Supplier<Reply> action) {
        String key = ctx.header(IDEMPOTENCY_KEY);
        if (key == null) {
            send(ctx, action.get());
            return;
        }
        if (key.isBlank() || key.length() > 200) {
            throw new ApiException(400, IDEMPOTENCY_KEY + " must be 1 to 200 characters");
        }
        byte[] fingerprint = fingerprint(ctx, body);
        switch (idempotency.begin(client.name(), key, fingerprint)) {
            case Idempotency.Lookup.Replay r -> {
                ctx.header("Idempotent-Replayed", "true");
                ctx.status(r.response().status()).contentType(r.response().contentType()).result(r.response().body());
            }
            case Idempotency.Lookup.Mismatch m ->
                    throw new ApiException(422, IDEMPOTENCY_KEY + " was already used for a different request");
            case Idempotency.Lookup.InFlight f ->
                    throw new ApiException(409, "a request with this " + IDEMPOTENCY_KEY + " is still being processed");
            case Idempotency.Lookup.Unavailable u -> {
                log.warn("Idempotency-Key not checked: {}", u.reason());
                throw new ApiException(503, "the " + IDEMPOTENCY_KEY + " could not be checked (" + u.reason()
                        + "); nothing was published. Retry later with the same key.");
            }
            case Idempotency.Lookup.Proceed p -> {
                Reply reply;
                try {
                    reply = action.get();
                } catch (RuntimeException e) {
                    p.ticket().abandon();
                    throw e;
                }
                String text = write(reply.body());
                p.ticket().complete(new Idempotency.Response(reply.status(), "application/json", text));
                ctx.status(reply.status()).contentType("application/json").result(text);
            }
        }
    }

    private void send(Context ctx, Reply reply) {
        ctx.status(reply.status()).contentType("application/json").result(write(reply.body()));
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] fingerprint(Context ctx, byte[] body) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((ctx.method() + " " + ctx.path() + "?" + (ctx.queryString() == null ? "" : ctx.queryString()) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            return md.digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private TokenAuthenticator.Client require(Context ctx, Role role) {
        TokenAuthenticator.Client client = auth.authenticate(ctx.header("Authorization")).orElse(null);
        if (client == null) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "a valid bearer token is required");
        }
        if (!client.roles().contains(role)) {
            throw new ApiException(403, "this token lacks the role " + role.name().toLowerCase(Locale.ROOT));
        }
        return client;
    }

    /**
     * Reads at most {@code maxBodyBytes + 1} bytes: a body without Content-Length (chunked) is not
     * buffered whole before its size is known ({@code ctx.bodyAsBytes()} checks only a declared length).
     */
    private byte[] body(Context ctx) {
        long declared = ctx.contentLength();
        if (declared > maxBodyBytes) {
            throw new ApiException(413, "body larger than " + maxBodyBytes + " bytes");
        }
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        } catch (IOException e) {
            throw new ApiException(400, "the request body could not be read");
        }
        if (body.length > maxBodyBytes) {
            throw new ApiException(413, "body larger than " + maxBodyBytes + " bytes");
        }
        return body;
    }

    private static boolean flag(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v != null && (v.isEmpty() || v.equalsIgnoreCase("true"));
    }

    /** {@code mode}: EXECUTE or DRY_RUN; RESTORE is not a submission (it undoes one known erasure: the restore endpoint). */
    private static Mode modeParam(Context ctx) {
        String v = ctx.queryParam("mode");
        if (v != null && Mode.RESTORE.name().equalsIgnoreCase(v)) {
            throw new ApiException(400, "query parameter mode: RESTORE is not a submission: undo an erasure with POST /v1/erasures/{requestId}/restore");
        }
        Mode[] allowed = {Mode.EXECUTE, Mode.DRY_RUN};
        if (v == null) {
            throw new ApiException(400, "query parameter mode is required (one of " + java.util.Arrays.toString(allowed) + ")");
        }
        for (Mode m : allowed) {
            if (m.name().equalsIgnoreCase(v)) {
                return m;
            }
        }
        throw new ApiException(400, "query parameter mode must be one of " + java.util.Arrays.toString(allowed));
    }

    private static <E extends Enum<E>> E enumParam(Context ctx, String name, Class<E> type) {
        String v = ctx.queryParam(name);
        if (v == null) {
            throw new ApiException(400, "query parameter " + name + " is required (one of " + java.util.Arrays.toString(type.getEnumConstants()) + ")");
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "query parameter " + name + " must be one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }
}
