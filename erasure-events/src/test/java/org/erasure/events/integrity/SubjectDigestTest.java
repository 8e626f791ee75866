package org.erasure.events.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.erasure.events.Identifiers;
import org.erasure.events.Samples;
import org.junit.jupiter.api.Test;

class SubjectDigestTest {
    private static final byte[] KEY = "erasure-test-key-0123456789".getBytes(StandardCharsets.US_ASCII);
    private final SubjectDigest digest = new SubjectDigest(KEY);

    @Test
    void canonicalFormIsDocumentedShape() {
        assertThat(SubjectDigest.canonicalForm(" c-1042 ",
                List.of("alice@old-domain.org", " Alice.Example@Example.COM", "ALICE@old-domain.org"),
                List.of("w-78", "w-77", "w-77 ")))
                .isEqualTo("erasure-subject/v1\n"
                        + "contributor:c-1042\n"
                        + "email:alice.example@example.com\n"
                        + "email:alice@old-domain.org\n"
                        + "worker:w-77\n"
                        + "worker:w-78\n");
    }

    /**
     * Cross-checked outside Java. Produced in a shell with:
     * <pre>
     * printf 'erasure-subject/v1\ncontributor:c-1042\nemail:alice.example@example.com\nemail:alice@old-domain.org\nworker:w-77\nworker:w-78\n' \
     *   | openssl dgst -sha256 -hmac 'erasure-test-key-0123456789'
     * </pre>
     * (OpenSSL 3.0.19; Python's hmac.new(key, msg, hashlib.sha256) gives the same value.)
     */
    @Test
    void vectorCrossCheckedWithOpenssl() {
        String expected = "d56c557ed731bfb89e68bbe77f6cf7bc75ece904bbafaf537e9915b3ad337f5e";
        assertThat(digest.digest(Samples.request())).isEqualTo(expected);
        assertThat(digest.digest("c-1042", List.of("Alice.Example@Example.COM", "alice@old-domain.org"), List.of("w-77", "w-78")))
                .isEqualTo(expected);
    }

    /** Same shell check: printf 'erasure-subject/v1\ncontributor:c-7\n' | openssl dgst -sha256 -hmac 'erasure-test-key-0123456789'. */
    @Test
    void vectorWithoutIdentifiersCrossCheckedWithOpenssl() {
        assertThat(digest.digest("c-7", Identifiers.none()))
                .isEqualTo("2e9cb54a5f54cfd6538bf8db11b5866584205d648f61dad290a1a84e4a4acd92");
    }

    /**
     * Computed once with this implementation and pinned: guards against silent changes (non-ASCII,
     * binary key). Python's hmac module over the documented canonical form gives the same values.
     */
    @Test
    void pinnedVectors() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        SubjectDigest d = new SubjectDigest(key);
        assertThat(d.digest("c-ü", List.of("Zoë@Example.com", "zoë@example.com"), List.of("W-1", "w-1")))
                .isEqualTo(PINNED_UNICODE);
        assertThat(d.digest("c-1042", List.of("a@b.c"), List.of()))
                .isEqualTo(PINNED_SIMPLE);
    }

    static final String PINNED_UNICODE = "114f27b984b19ab9d3cd8a966a0d8855099a7f7188a6d49b478608281d2786f9";
    static final String PINNED_SIMPLE = "c80b29b55d81e8ddc5211c8e38446a3965ac18722ce0a85fe22f70528660bc70";

    @Test
    void caseWhitespaceOrderAndDuplicatesOfEmailsDoNotMatter() {
        String a = digest.digest("c-1", List.of("bob@example.com", "carol@example.org"), List.of("w-1"));
        assertThat(digest.digest("c-1", List.of(" CAROL@Example.ORG", "Bob@Example.com\t", "bob@example.com"), List.of(" w-1 ")))
                .isEqualTo(a);
        assertThat(digest.digest(" c-1\n", List.of("carol@example.org", "bob@example.com"), List.of("w-1", "w-1")))
                .isEqualTo(a);
    }

    @Test
    void everyIdentifierMatters() {
        String a = digest.digest("c-1", List.of("bob@example.com"), List.of("w-1"));
        assertThat(digest.digest("c-2", List.of("bob@example.com"), List.of("w-1"))).isNotEqualTo(a);
        assertThat(digest.digest("c-1", List.of("bob2@example.com"), List.of("w-1"))).isNotEqualTo(a);
        assertThat(digest.digest("c-1", List.of("bob@example.com"), List.of("W-1"))).as("worker ids are case sensitive").isNotEqualTo(a);
        // An email and a worker id with the same text are different identifiers.
        assertThat(digest.digest("c-1", List.of("x@y.z"), List.of())).isNotEqualTo(digest.digest("c-1", List.of(), List.of("x@y.z")));
        assertThat(new SubjectDigest("another-key-0123456789".getBytes(StandardCharsets.US_ASCII))
                .digest("c-1", List.of("bob@example.com"), List.of("w-1"))).isNotEqualTo(a);
    }

    @Test
    void outputIsLowercaseHex() {
        assertThat(digest.digest("c-1", List.of(), List.of())).matches("[0-9a-f]{64}");
    }

    @Test
    void shortKeysAreRefused() {
        assertThatThrownBy(() -> new SubjectDigest(new byte[15]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("subject digest key must be at least 16 bytes (got 15)");
        assertThatThrownBy(() -> new SubjectDigest(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new SubjectDigest(new byte[16])).isNotNull();
    }

    @Test
    void keyIsCopiedAndNeverPrinted() {
        byte[] key = "erasure-test-key-0123456789".getBytes(StandardCharsets.US_ASCII);
        SubjectDigest d = new SubjectDigest(key);
        String before = d.digest("c-1", List.of(), List.of());
        key[0] = 'X';
        assertThat(d.digest("c-1", List.of(), List.of())).isEqualTo(before);
        assertThat(d.toString()).doesNotContain("erasure-test-key");
    }

    @Test
    void controlCharactersAndBlanksAreRefusedWithoutEchoingTheValue() {
        assertThatThrownBy(() -> digest.digest("c-1", List.of("a@b.c\nemail:evil@x.y"), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("email contains a control character");
        assertThatThrownBy(() -> digest.digest("c-1", List.of(" "), List.of()))
                .hasMessage("email is blank");
        assertThatThrownBy(() -> digest.digest(" ", List.of(), List.of()))
                .hasMessage("contributorId is blank");
    }
}
