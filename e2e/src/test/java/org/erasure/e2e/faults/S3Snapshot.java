package org.erasure.e2e.faults;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.erasure.devstack.s3.S3Server;
import org.erasure.devstack.seed.SampleWorld;
import org.erasure.events.Phase;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * Every object version and delete marker of the bucket, with the SHA-256 of each version's bytes.
 * Erasure deletes every version and marker under {@code contributors/<id>/} and {@code uploads/<id>/}.
 */
record S3Snapshot(String bucket, Map<String, List<String>> versionsByKey) implements StoreSnapshot {

    static final List<String> PREFIXES = List.of("contributors/", "uploads/");

    static S3Snapshot take(S3Server server, String bucket) {
        Map<String, List<String>> byKey = new TreeMap<>();
        try (S3Client s3 = server.newClient()) {
            for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(l -> l.bucket(bucket))) {
                for (ObjectVersion v : page.versions()) {
                    byte[] bytes = s3.getObjectAsBytes(g -> g.bucket(bucket).key(v.key()).versionId(v.versionId())).asByteArray();
                    byKey.computeIfAbsent(v.key(), k -> new ArrayList<>()).add("version " + v.versionId() + " latest=" + v.isLatest()
                            + " etag=" + v.eTag() + " size=" + v.size() + " sha256=" + sha256(bytes));
                }
                for (DeleteMarkerEntry m : page.deleteMarkers()) {
                    byKey.computeIfAbsent(m.key(), k -> new ArrayList<>()).add("delete-marker " + m.versionId() + " latest=" + m.isLatest());
                }
            }
        }
        byKey.values().forEach(l -> l.sort(String::compareTo));
        return new S3Snapshot(bucket, byKey);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The contributor a key belongs to ({@code contributors/<id>/…}, {@code uploads/<id>/…}); -1 for other keys. */
    static long owner(String key) {
        for (String prefix : PREFIXES) {
            if (key.startsWith(prefix)) {
                int slash = key.indexOf('/', prefix.length());
                String id = slash < 0 ? "" : key.substring(prefix.length(), slash);
                return id.matches("[0-9]+") ? Long.parseLong(id) : -1;
            }
        }
        return -1;
    }

    @Override
    public Phase phase() {
        return Phase.S3;
    }

    /** Deleted = versions + delete markers under each prefix (the sink's targets are bucket/template). */
    @Override
    public Map<String, Counts> erasable(long id) {
        Map<String, Counts> counts = new LinkedHashMap<>();
        for (String prefix : PREFIXES) {
            String mine = prefix + id + "/";
            long n = versionsByKey.entrySet().stream().filter(e -> e.getKey().startsWith(mine)).mapToLong(e -> e.getValue().size()).sum();
            counts.put(bucket + "/" + prefix + "{contributorId}/", Counts.deleted(n));
        }
        return counts;
    }

    @Override
    public List<String> problemsAfterErasure(StoreSnapshot other, Set<Long> erased) {
        S3Snapshot after = (S3Snapshot) other;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : after.versionsByKey.entrySet()) {
            if (erased.contains(owner(e.getKey()))) {
                problems.add("s3: " + e.getValue().size() + " version(s)/marker(s) left of erased contributor " + owner(e.getKey()));
            } else if (!versionsByKey.containsKey(e.getKey())) {
                problems.add("s3: a key appeared (owner " + owner(e.getKey()) + ")");
            }
        }
        for (Map.Entry<String, List<String>> e : versionsByKey.entrySet()) {
            if (!erased.contains(owner(e.getKey())) && !e.getValue().equals(after.versionsByKey.get(e.getKey()))) {
                problems.add("s3: versions of a neighbour's or unrelated key changed (owner " + owner(e.getKey()) + ")");
            }
        }
        return problems;
    }
}
