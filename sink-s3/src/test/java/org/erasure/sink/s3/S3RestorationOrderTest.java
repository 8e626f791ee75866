package org.erasure.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.erasure.sink.s3.PrefixListing.Version;
import org.erasure.sink.s3.S3Restoration.Kept;
import org.junit.jupiter.api.Test;

/** A key's history from S3's two lists, and the conflict rule, without a server. */
class S3RestorationOrderTest {
    private static final Instant T = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void versionsAndMarkersAreMergedOldestFirstTheLatestLastEvenOnEqualDates() {
        // As a listing page gives them: versions newest first, then markers newest first.
        List<Version> listed = List.of(
                new Version("k", "v3", false, T.plusSeconds(20), false),
                new Version("k", "v2", false, T, false),
                new Version("k", "v1", false, T, false),
                new Version("other", "o1", false, T, true),
                new Version("k", "m2", true, T.plusSeconds(20), true), // same second as v3, but the latest
                new Version("k", "m1", true, T.plusSeconds(10), false));
        Map<String, List<Version>> h = S3Restoration.histories(listed);
        assertThat(h.get("k")).extracting(Version::versionId).containsExactly("v1", "v2", "m1", "v3", "m2");
        assertThat(h.get("other")).extracting(Version::versionId).containsExactly("o1");
    }

    @Test
    void aKeyComesBackOnlyWhereItHasNoLiveVersion() {
        List<Kept> endedLive = List.of(kept(false));
        List<Kept> endedDeleted = List.of(kept(false), kept(true));
        Version live = new Version("k", "n1", false, T, true);
        Version marker = new Version("k", "n2", true, T, true);
        assertThat(S3Restoration.stillErased(null, endedLive)).isTrue();
        assertThat(S3Restoration.stillErased(List.of(), endedDeleted)).isTrue();
        assertThat(S3Restoration.stillErased(List.of(live), endedLive)).as("written since the erasure").isFalse();
        assertThat(S3Restoration.stillErased(List.of(live, marker), endedLive)).as("written and deleted since").isTrue();
        assertThat(S3Restoration.stillErased(List.of(live, marker), endedDeleted)).as("already restored once").isFalse();
    }

    private static Kept kept(boolean marker) {
        return new Kept("b", "p/", "k", "x", marker, 0, null, null, null, null, null, null, null);
    }
}
