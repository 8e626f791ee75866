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
                new Version("k", "v3", false, T.plusSeconds(20), false, null),
                new Version("k", "v2", false, T, false, null),
                new Version("k", "v1", false, T, false, null),
                new Version("other", "o1", false, T, true, null),
                new Version("k", "m2", true, T.plusSeconds(20), true, null), // same second as v3, but the latest
                new Version("k", "m1", true, T.plusSeconds(10), false, null));
        Map<String, List<Version>> h = S3Restoration.histories(listed);
        assertThat(h.get("k")).extracting(Version::versionId).containsExactly("v1", "v2", "m1", "v3", "m2");
        assertThat(h.get("other")).extracting(Version::versionId).containsExactly("o1");
    }

    @Test
    void aKeyComesBackOnlyWhereItHasNoLiveVersion() {
        List<Kept> endedLive = List.of(kept(false));
        List<Kept> endedDeleted = List.of(kept(false), kept(true));
        Version live = new Version("k", "n1", false, T, true, null);
        Version marker = new Version("k", "n2", true, T, true, null);
        assertThat(S3Restoration.stillErased(null, endedLive)).isTrue();
        assertThat(S3Restoration.stillErased(List.of(), endedDeleted)).isTrue();
        assertThat(S3Restoration.stillErased(List.of(live), endedLive)).as("written since the erasure").isFalse();
        assertThat(S3Restoration.stillErased(List.of(live, marker), endedLive)).as("written and deleted since").isTrue();
        assertThat(S3Restoration.stillErased(List.of(live, marker), endedDeleted)).as("already restored once").isFalse();
    }

    @Test
    void aHalfRestoredKeyResumesAfterWhatAnEarlierRestorePutBack() {
        List<Kept> kept = List.of(kept("A"), kept(true), kept("B"));
        Version a = new Version("k", "n1", false, T, false, "A");
        Version marker = new Version("k", "n2", true, T, false, null);
        Version b = new Version("k", "n3", false, T, true, "B");
        Version other = new Version("k", "n0", false, T, false, "X");
        assertThat(S3Restoration.resumeAt(null, kept)).isZero();
        assertThat(S3Restoration.resumeAt(List.of(a), kept)).as("one of three put back").isEqualTo(1);
        assertThat(S3Restoration.resumeAt(List.of(a, marker), kept)).isEqualTo(2);
        assertThat(S3Restoration.resumeAt(List.of(a, marker, b), kept)).as("all back").isEqualTo(-1);
        assertThat(S3Restoration.resumeAt(List.of(other), kept)).as("written since").isEqualTo(-1);
        assertThat(S3Restoration.resumeAt(List.of(other, marker), kept)).as("written and deleted since").isZero();
        assertThat(S3Restoration.resumeAt(List.of(other, marker, a), kept)).as("resumes on top of them").isEqualTo(1);
    }

    private static Kept kept(boolean marker) {
        return new Kept("b", "p/", "k", "x", marker, 0, null, null, null, null, null, null, null, null);
    }

    private static Kept kept(String etag) {
        return new Kept("b", "p/", "k", "x", false, 0, "c", null, null, null, null, null, null, etag);
    }
}
