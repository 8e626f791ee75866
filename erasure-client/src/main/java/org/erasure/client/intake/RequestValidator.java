package org.erasure.client.intake;

import java.util.TreeSet;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.Phase;

/**
 * Validates the JSON body of {@code POST /v1/erasures}: one request object or an array of them.
 * Pure. Every problem is listed as {@code item N, field F: problem} (N is 1-based; a single object is
 * item 1), never echoing a value.
 *
 * <pre>{"contributorId": "1000123", "identifiers": {"emails": [...], "workerIds": [...]},
 *  "reason": "ACCOUNT_CLOSED", "mode": "EXECUTE", "systems": ["POSTGRES", ...], "deadline": "2026-04-01T00:00:00Z"}</pre>
 */
public final class RequestValidator {

    private static final Set<String> FIELDS = Set.of("contributorId", "identifiers", "reason", "mode", "systems", "deadline");
    private static final Set<String> IDENTIFIER_FIELDS = Set.of("emails", "workerIds");

    private final IntakeRules rules;

    public RequestValidator(IntakeRules rules) {
        this.rules = rules;
    }

    public Intake validate(JsonNode body) {
        List<IntakeError> errors = new ArrayList<>();
        if (body == null || body.isMissingNode() || body.isNull()) {
            return new Intake.Rejected(List.of(IntakeError.json(0, null, "empty body, expected a request object or an array of them")));
        }
        List<JsonNode> nodes = new ArrayList<>();
        if (body.isArray()) {
            body.forEach(nodes::add);
            if (nodes.isEmpty()) {
                return new Intake.Rejected(List.of(IntakeError.json(0, null, "empty array")));
            }
            if (nodes.size() > rules.maxItems()) {
                return new Intake.Rejected(List.of(IntakeError.json(0, null,
                        nodes.size() + " items, more than the limit of " + rules.maxItems())));
            }
        } else if (body.isObject()) {
            nodes.add(body);
        } else {
            return new Intake.Rejected(List.of(IntakeError.json(0, null, "expected a request object or an array of them")));
        }
        Map<String, Integer> seenIds = new HashMap<>();
        Map<String, Integer> seenEmails = new HashMap<>();
        List<ErasureItem> items = new ArrayList<>();
        for (int k = 0; k < nodes.size(); k++) {
            ErasureItem item = item(k + 1, nodes.get(k), errors, seenIds, seenEmails);
            if (item != null) {
                items.add(item);
            }
        }
        return Intake.of(items, errors);
    }

    private ErasureItem item(int pos, JsonNode node, List<IntakeError> errors, Map<String, Integer> seenIds,
                             Map<String, Integer> seenEmails) {
        if (!node.isObject()) {
            errors.add(IntakeError.json(pos, null, "must be an object"));
            return null;
        }
        int before = errors.size();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(IntakeError.json(pos, safeName(name), "unknown field"));
            }
        }
        String id = contributorId(pos, node.get("contributorId"), errors);
        if (id != null) {
            Integer first = seenIds.putIfAbsent(id, pos);
            if (first != null) {
                errors.add(IntakeError.json(pos, "contributorId", "duplicate of item " + first));
            }
        }
        List<String> emails = new ArrayList<>();
        List<String> workerIds = new ArrayList<>();
        JsonNode identifiers = node.get("identifiers");
        if (identifiers != null && !identifiers.isNull()) {
            if (!identifiers.isObject()) {
                errors.add(IntakeError.json(pos, "identifiers", "must be an object"));
            } else {
                for (Iterator<String> names = identifiers.fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    if (!IDENTIFIER_FIELDS.contains(name)) {
                        errors.add(IntakeError.json(pos, "identifiers." + safeName(name), "unknown field"));
                    }
                }
                emails = strings(pos, "identifiers.emails", identifiers.get("emails"), errors, true);
                workerIds = strings(pos, "identifiers.workerIds", identifiers.get("workerIds"), errors, false);
                // As for CSV rows: one address in two items of one upload is a mistake, not two people.
                for (int i = 0; i < emails.size(); i++) {
                    Integer first = seenEmails.putIfAbsent(emails.get(i).toLowerCase(Locale.ROOT), pos);
                    if (first != null && first != pos) {
                        errors.add(IntakeError.json(pos, "identifiers.emails[" + i + "]", "same email as item " + first));
                    }
                }
            }
        }
        if (emails.isEmpty() && rules.emailRequired()) {
            errors.add(IntakeError.json(pos, "identifiers.emails", "required (identifier resolution is off)"));
        }
        ErasureReason reason = enumValue(pos, "reason", node.get("reason"), ErasureReason.class, errors);
        Mode mode;
        if (node.get("mode") != null && Mode.RESTORE.name().equals(node.get("mode").asText())) {
            errors.add(IntakeError.json(pos, "mode", RESTORE_IS_NOT_A_SUBMISSION));
            mode = null;
        } else {
            mode = enumValue(pos, "mode", node.get("mode"), new Mode[] {Mode.EXECUTE, Mode.DRY_RUN}, errors);
        }
        Set<Phase> systems = systems(pos, node.get("systems"), errors);
        Instant deadline = null;
        JsonNode d = node.get("deadline");
        if (d != null && !d.isNull()) {
            if (!d.isTextual()) {
                errors.add(IntakeError.json(pos, "deadline", "must be an ISO-8601 UTC instant"));
            } else {
                try {
                    deadline = Instant.parse(d.asText());
                } catch (DateTimeParseException e) {
                    errors.add(IntakeError.json(pos, "deadline", "must be an ISO-8601 UTC instant"));
                }
            }
        }
        if (errors.size() > before) {
            return null;
        }
        return new ErasureItem(pos, id, emails, workerIds, reason, mode, systems, deadline);
    }

    private String contributorId(int pos, JsonNode node, List<IntakeError> errors) {
        String id;
        if (node == null || node.isNull()) {
            errors.add(IntakeError.json(pos, "contributorId", "required"));
            return null;
        } else if (node.isTextual()) {
            id = node.asText().strip();
        } else if (node.isIntegralNumber()) {
            id = node.asText();
        } else {
            errors.add(IntakeError.json(pos, "contributorId", "must be a string"));
            return null;
        }
        if (id.isEmpty()) {
            errors.add(IntakeError.json(pos, "contributorId", "required"));
            return null;
        }
        if (!rules.isValidContributorId(id)) {
            errors.add(IntakeError.json(pos, "contributorId", "not a valid contributor id"));
            return null;
        }
        return id;
    }

    private List<String> strings(int pos, String field, JsonNode node, List<IntakeError> errors, boolean emails) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            errors.add(IntakeError.json(pos, field, "must be an array of strings"));
            return List.of();
        }
        if (node.size() > rules.maxIdentifiers()) {
            errors.add(IntakeError.json(pos, field, "more than " + rules.maxIdentifiers() + " values"));
            return List.of();
        }
        LinkedHashSet<String> values = new LinkedHashSet<>();
        Set<String> lower = new java.util.HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode v = node.get(i);
            String f = field + "[" + i + "]";
            if (!v.isTextual() || v.asText().isBlank()) {
                errors.add(IntakeError.json(pos, f, "must be a non-empty string"));
                continue;
            }
            String s = v.asText().strip();
            if (emails && !EmailSyntax.isValid(s)) {
                errors.add(IntakeError.json(pos, f, "not a valid email"));
                continue;
            }
            String problem = emails ? null : IntakeRules.workerIdProblem(s);
            if (problem != null) {
                errors.add(IntakeError.json(pos, f, problem));
                continue;
            }
            if (lower.add(s.toLowerCase(Locale.ROOT))) {
                values.add(s);
            }
        }
        return List.copyOf(values);
    }

    /** A restore undoes one known erasure (replayOf); it is published by {@code erasurectl restore}, never submitted. */
    public static final String RESTORE_IS_NOT_A_SUBMISSION = "RESTORE is not a submission: undo an erasure with `erasurectl restore REQUEST_ID`";

    private static <E extends Enum<E>> E enumValue(int pos, String field, JsonNode node, Class<E> type, List<IntakeError> errors) {
        return enumValue(pos, field, node, type.getEnumConstants(), errors);
    }

    private static <E extends Enum<E>> E enumValue(int pos, String field, JsonNode node, E[] allowed, List<IntakeError> errors) {
        if (node == null || node.isNull()) {
            errors.add(IntakeError.json(pos, field, "required (one of " + Arrays.toString(allowed) + ")"));
            return null;
        }
        if (node.isTextual()) {
            for (E e : allowed) {
                if (e.name().equals(node.asText())) {
                    return e;
                }
            }
        }
        errors.add(IntakeError.json(pos, field, "must be one of " + Arrays.toString(allowed)));
        return null;
    }

    private static Set<Phase> systems(int pos, JsonNode node, List<IntakeError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray() || node.isEmpty()) {
            errors.add(IntakeError.json(pos, "systems", "must be a non-empty array (omit it for all phases)"));
            return null;
        }
        TreeSet<Phase> phases = new TreeSet<>();
        for (int i = 0; i < node.size(); i++) {
            // Open names (rolling upgrades): any well-formed phase passes; the sinks of other phases ignore it.
            JsonNode item = node.get(i);
            if (item != null && item.isTextual() && Phase.isWellFormed(item.asText())) {
                phases.add(Phase.valueOf(item.asText()));
            } else {
                errors.add(IntakeError.json(pos, "systems[" + i + "]", "must be a phase name (" + Phase.NAME.pattern()
                        + ", e.g. one of " + Phase.known() + ")"));
            }
        }
        return phases;
    }

    /** Field names come from the client and could hold anything: only plain identifiers are echoed. */
    private static String safeName(String name) {
        return name.matches("[A-Za-z][A-Za-z0-9_]{0,39}") ? name : "(name not shown)";
    }
}
