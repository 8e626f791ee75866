package org.erasure.sink.s3;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one target (bucket + prefix template) holds for one request: every object version and delete
 * marker, and every incomplete multipart upload, under the request's prefix.
 */
record PrefixListing(List<Version> versions, List<Upload> uploads) {

    static final PrefixListing EMPTY = new PrefixListing(List.of(), List.of());

    /**
     * One object version or delete marker; {@code versionId} null in a bucket that never had versioning.
     * {@code lastModified} and {@code latest} order a key's versions and markers for the undo window (S3 lists
     * them in two lists), {@code etag} tells a restore its own re-created versions; null / false where unknown.
     * They are hints, not identity: equality is key, version id and kind only (the same entry listed twice is equal).
     */
    record Version(String key, String versionId, boolean deleteMarker, java.time.Instant lastModified, boolean latest,
            String etag) {
        Version(String key, String versionId, boolean deleteMarker) {
            this(key, versionId, deleteMarker, null, false, null);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Version v && key.equals(v.key) && java.util.Objects.equals(versionId, v.versionId)
                    && deleteMarker == v.deleteMarker;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(key, versionId, deleteMarker);
        }
    }

    /** An incomplete multipart upload: its parts hold data until it is aborted. */
    record Upload(String key, String uploadId) {}

    PrefixListing {
        versions = List.copyOf(versions);
        uploads = List.copyOf(uploads);
    }

    long keys() {
        return versions.stream().map(Version::key).distinct().count();
    }

    long deleteMarkers() {
        return versions.stream().filter(Version::deleteMarker).count();
    }

    long objectVersions() {
        return versions.size() - deleteMarkers();
    }

    /** Versions + delete markers + incomplete uploads: what erasing this prefix removes. */
    long total() {
        return versions.size() + uploads.size();
    }

    /**
     * E.g. {@code 2 key(s): 3 object version(s) + 2 delete marker(s)}, plus
     * {@code ; 1 incomplete multipart upload(s) aborted} (or {@code to abort} in a dry run) when there are any.
     */
    String note(boolean dryRun, long uploadsCounted) {
        String s = keys() + " key(s): " + objectVersions() + " object version(s) + " + deleteMarkers() + " delete marker(s)";
        if (uploadsCounted > 0) {
            s += "; " + uploadsCounted + " incomplete multipart upload(s) " + (dryRun ? "to abort" : "aborted");
        }
        return s;
    }

    /** Drops entries an earlier target of the same request already holds (overlapping templates in one bucket). */
    PrefixListing without(String bucket, Set<String> seen) {
        List<Version> keptVersions = new ArrayList<>(versions.size());
        for (Version v : versions) {
            if (seen.add("v\0" + bucket + '\0' + v.key() + '\0' + v.versionId())) {
                keptVersions.add(v);
            }
        }
        List<Upload> keptUploads = new ArrayList<>(uploads.size());
        for (Upload u : uploads) {
            if (seen.add("u\0" + bucket + '\0' + u.key() + '\0' + u.uploadId())) {
                keptUploads.add(u);
            }
        }
        return keptVersions.size() == versions.size() && keptUploads.size() == uploads.size()
                ? this : new PrefixListing(keptVersions, keptUploads);
    }

    static Set<String> newSeenSet() {
        return new HashSet<>();
    }
}
