package org.erasure.sink.elasticsearch;

import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.erasure.sink.elasticsearch.DocumentMasker.Lookup;
import org.erasure.sink.elasticsearch.EsMapping.Kind;
import org.erasure.sink.elasticsearch.EsMapping.Target;
import org.erasure.sink.runtime.spi.ErasureItem;

/**
 * The queries that find a target's stored identifiers. Worker ids: one {@code terms} per field (exact).
 * Emails, two ways (chosen per batch by how many documents hold a non-normalised email, see README):
 * <ul>
 *   <li>{@link EmailMode#EXACT_AND_NON_NORMALISED}: {@code terms} on the normalised spellings, plus every
 *       document holding a value that is not in normalised form ({@link EmailPatterns#NOT_NORMALISED});
 *       the caller decides by comparing normalised values in memory. As cheap as exact matching.</li>
 *   <li>{@link EmailMode#PATTERNS}: per-email {@code regexp} patterns ({@link EmailPatterns}), exact
 *       but costly (an automaton per pattern, field and shard).</li>
 * </ul>
 * Verification builds its own queries from the requests, never the scan's.
 */
final class IdentifierQueries {
    /**
     * Leaf clauses per query, well under the smallest {@code indices.query.bool.max_clause_count}
     * Elasticsearch computes (1,024); a batch needing more is scanned in slices.
     */
    static final int MAX_CLAUSES = 400;

    enum EmailMode { EXACT_AND_NON_NORMALISED, PATTERNS }

    /** A bool.should query and its number of leaf clauses (null query = nothing to look for). */
    record Built(Query query, int clauses) {}

    private IdentifierQueries() {}

    /** The erase scan's query for a batch (EXECUTE and DRY_RUN items alike). */
    static Built scan(Target t, Lookup lookup, EmailMode mode, String maskValue, int maxRegexLength) {
        List<Query> should = new ArrayList<>();
        for (Map.Entry<Kind, List<String>> e : t.fieldsByKind().entrySet()) {
            List<String> values = lookup.values(e.getKey());
            if (values.isEmpty()) {
                continue;
            }
            if (e.getKey() == Kind.EMAIL && mode == EmailMode.PATTERNS) {
                List<EmailPatterns.Pattern> patterns = EmailPatterns.forScan(values, maxRegexLength);
                e.getValue().forEach(field -> patterns.forEach(p -> should.add(query(field, p))));
            } else {
                List<FieldValue> fv = values.stream().map(FieldValue::of).toList();
                e.getValue().forEach(field -> should.add(terms(field, fv)));
                if (e.getKey() == Kind.EMAIL) {
                    e.getValue().forEach(field -> should.add(notNormalised(field, maskValue)));
                }
            }
        }
        return new Built(should.isEmpty() ? null : any(should), should.size());
    }

    /** Documents holding a non-normalised value (other than the mask value) in any email field (null if none). */
    static Query nonNormalised(Target t, String maskValue) {
        List<String> fields = t.fieldsByKind().getOrDefault(Kind.EMAIL, List.of());
        return fields.isEmpty() ? null : any(fields.stream().map(f -> notNormalised(f, maskValue)).toList());
    }

    /**
     * Verification, {@link EmailMode#EXACT_AND_NON_NORMALISED}: the documents holding any of the requests'
     * worker ids or normalised emails exactly, or any non-normalised email; the caller attributes them to
     * requests by comparing normalised values.
     */
    static Query verifySuperset(Target t, Collection<ErasureItem> items, boolean contributorIdAsWorkerId, String maskValue) {
        List<Query> should = new ArrayList<>();
        for (Map.Entry<Kind, List<String>> e : t.fieldsByKind().entrySet()) {
            Set<String> values = new LinkedHashSet<>();
            items.forEach(item -> values.addAll(values(item, e.getKey(), contributorIdAsWorkerId, maskValue)));
            if (e.getKey() == Kind.EMAIL) {
                e.getValue().forEach(field -> should.add(notNormalised(field, maskValue)));
            }
            if (!values.isEmpty()) {
                List<FieldValue> fv = values.stream().map(FieldValue::of).toList();
                e.getValue().forEach(field -> should.add(terms(field, fv)));
            }
        }
        return should.isEmpty() ? null : any(should);
    }

    /**
     * Verification, {@link EmailMode#PATTERNS}: the union over a chunk of requests, with verification's own
     * spelling of the email patterns (explicit case classes, no case flag).
     */
    static Built verifyUnion(Target t, Collection<ErasureItem> items, boolean contributorIdAsWorkerId, String maskValue, int maxRegexLength) {
        List<Query> should = new ArrayList<>();
        for (Map.Entry<Kind, List<String>> e : t.fieldsByKind().entrySet()) {
            Set<String> values = new LinkedHashSet<>();
            items.forEach(item -> values.addAll(values(item, e.getKey(), contributorIdAsWorkerId, maskValue)));
            addVerify(should, e.getKey(), e.getValue(), values, maxRegexLength);
        }
        return new Built(should.isEmpty() ? null : any(should), should.size());
    }

    /** Verification, {@link EmailMode#PATTERNS}: one request's query (a filter of the keyed count). */
    static Query verifyOne(Target t, ErasureItem item, boolean contributorIdAsWorkerId, String maskValue, int maxRegexLength) {
        List<Query> should = new ArrayList<>();
        for (Map.Entry<Kind, List<String>> e : t.fieldsByKind().entrySet()) {
            addVerify(should, e.getKey(), e.getValue(), values(item, e.getKey(), contributorIdAsWorkerId, maskValue), maxRegexLength);
        }
        return should.isEmpty() ? Query.of(q -> q.matchNone(m -> m)) : any(should);
    }

    private static void addVerify(List<Query> should, Kind kind, List<String> fields, Set<String> values, int maxRegexLength) {
        if (values.isEmpty()) {
            return;
        }
        if (kind == Kind.EMAIL) {
            List<EmailPatterns.Pattern> patterns = EmailPatterns.forVerify(values, maxRegexLength);
            fields.forEach(field -> patterns.forEach(p -> should.add(query(field, p))));
        } else {
            List<FieldValue> fv = values.stream().map(FieldValue::of).toList();
            fields.forEach(field -> should.add(terms(field, fv)));
        }
    }

    /** A request's values of one kind, rebuilt from the request (not from the erase run), minus the mask value. */
    private static Set<String> values(ErasureItem item, Kind kind, boolean contributorIdAsWorkerId, String maskValue) {
        Set<String> values = new LinkedHashSet<>(Lookup.values(item, kind, contributorIdAsWorkerId));
        values.remove(Lookup.key(kind, maskValue));
        return values;
    }

    private static Query notNormalised(String field, String maskValue) {
        String pattern = EmailPatterns.notNormalisedExcept(maskValue);
        return Query.of(q -> q.regexp(r -> r.field(field).value(pattern).flags("INTERSECTION")));
    }

    private static Query query(String field, EmailPatterns.Pattern p) {
        return switch (p.type()) {
            case REGEXP_ASCII_FLAG -> Query.of(q -> q.regexp(r -> r.field(field).value(p.value()).flags("NONE").caseInsensitive(true)));
            case REGEXP_EXPLICIT -> Query.of(q -> q.regexp(r -> r.field(field).value(p.value()).flags("NONE")));
            case TERM_ANY_CASE -> Query.of(q -> q.term(tq -> tq.field(field).value(p.value()).caseInsensitive(true)));
        };
    }

    private static Query terms(String field, List<FieldValue> values) {
        return Query.of(q -> q.terms(tq -> tq.field(field).terms(tv -> tv.value(values))));
    }

    private static Query any(List<Query> should) {
        return Query.of(q -> q.bool(b -> b.should(should).minimumShouldMatch("1")));
    }
}
