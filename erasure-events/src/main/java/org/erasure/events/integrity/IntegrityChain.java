package org.erasure.events.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.erasure.events.ErasureCompleted;
import org.erasure.events.serde.EventJson;

/**
 * Tamper evidence for the audit topic: the {@link ErasureCompleted} records of one partition form a
 * hash chain.
 *
 * <pre>
 * hash = lowercase-hex( SHA-256( UTF-8( canonicalJson(record with hash absent) + (previousHash or "") ) ) )
 * </pre>
 *
 * Canonical JSON: the event's normal JSON ({@link EventJson}: instants as ISO-8601 UTC strings in
 * {@code DateTimeFormatter.ISO_INSTANT} form, null fields omitted) with object keys sorted
 * (by UTF-16 code units, i.e. plain ASCII order for our field names) at every level and no
 * insignificant whitespace. {@code previousHash} is part of the hashed JSON (absent for the first
 * record), so a record cannot be re-linked without changing its hash.
 *
 * <p>Caveat: a reader hashes the fields it knows. Adding a field to {@link ErasureCompleted} would
 * make older readers compute different hashes, so for this event any added field is a breaking
 * change and needs a new schemaVersion. Two exceptions, {@code shreddedAt} and {@code identifiersUnreadable}:
 * optional and null (so absent from the JSON and the hash) in every record but those a verifier with
 * crypto-shredding writes (the revision after a shred; the record of a request whose key was already shredded,
 * which also has no {@code subjectDigest}); records without them hash as before. An auditor reading such records
 * must run this version or later (an older one reports them as HASH_MISMATCH, or UNREADABLE for a record without
 * digest): upgrade auditors before turning shredding on.
 */
public final class IntegrityChain {
    private static final HexFormat HEX = HexFormat.of();

    private IntegrityChain() {}

    /** Canonical JSON of the record without its {@code hash} field. */
    public static String canonicalJson(ErasureCompleted record) {
        ObjectNode tree = (ObjectNode) EventJson.toTree(Objects.requireNonNull(record, "record"));
        tree.remove("hash");
        return EventJson.writeString(sorted(tree));
    }

    /**
     * The hash {@code record} has when linked after {@code previousHash} (null or "" for the first
     * record). The record's own previousHash and hash fields are ignored: {@code previousHash} is
     * what gets hashed.
     */
    public static String computeHash(ErasureCompleted record, String previousHash) {
        String prev = previousHash == null ? "" : previousHash;
        ErasureCompleted linked = record.withIntegrity(prev, null);
        return sha256Hex(canonicalJson(linked) + prev);
    }

    /** The record with {@code previousHash} set and {@code hash} filled in. */
    public static ErasureCompleted seal(ErasureCompleted record, String previousHash) {
        return record.withIntegrity(previousHash, computeHash(record, previousHash));
    }

    /** Seals records in order, each linked to the one before; the first to {@code previousHash}. */
    public static List<ErasureCompleted> sealAll(List<ErasureCompleted> records, String previousHash) {
        List<ErasureCompleted> out = new ArrayList<>(records.size());
        String prev = previousHash;
        for (ErasureCompleted r : records) {
            ErasureCompleted sealed = seal(r, prev);
            out.add(sealed);
            prev = sealed.hash();
        }
        return out;
    }

    /** Verifies a whole partition from its first record (whose previousHash must be absent). */
    public static ChainVerification verify(List<ErasureCompleted> inPartitionOrder) {
        return verify(inPartitionOrder, null);
    }

    /**
     * Verifies a slice of a partition whose first record must link to {@code expectedPreviousHash}
     * (null/"" when the slice starts at the beginning of the partition).
     */
    public static ChainVerification verify(List<ErasureCompleted> inPartitionOrder, String expectedPreviousHash) {
        String expectedPrev = expectedPreviousHash == null || expectedPreviousHash.isEmpty() ? null : expectedPreviousHash;
        for (int i = 0; i < inPartitionOrder.size(); i++) {
            ErasureCompleted r = inPartitionOrder.get(i);
            if (r.hash() == null) {
                return new ChainVerification.Broken(i, ChainVerification.Problem.HASH_MISSING,
                        "record " + i + " has no hash (never sealed)");
            }
            if (!MessageDigest.isEqual(bytes(computeHash(r, r.previousHash())), bytes(r.hash()))) {
                return new ChainVerification.Broken(i, ChainVerification.Problem.HASH_MISMATCH,
                        "record " + i + " does not match its hash (modified after sealing)");
            }
            if (!Objects.equals(r.previousHash(), expectedPrev)) {
                String why = i == 0 && expectedPrev == null
                        ? "record 0 links to a predecessor that is not in the list (a record before it is missing)"
                        : "record " + i + " does not link to the hash of the record before it (a record is missing or reordered, or its predecessor was re-sealed)";
                return new ChainVerification.Broken(i, ChainVerification.Problem.LINK_BROKEN, why);
            }
            expectedPrev = r.hash();
        }
        return new ChainVerification.Ok(inPartitionOrder.size(), expectedPrev);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static String sha256Hex(String s) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e); // every JRE must have it
        }
    }

    /** Deep copy with object keys in sorted order. */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            names.sort(null);
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (String n : names) {
                out.set(n, sorted(node.get(n)));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(child -> out.add(sorted(child)));
            return out;
        }
        return node;
    }
}
