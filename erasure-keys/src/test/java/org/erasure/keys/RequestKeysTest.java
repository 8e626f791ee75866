package org.erasure.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.erasure.events.ContributorErasureRequested;
import org.erasure.events.ErasureReason;
import org.erasure.events.Mode;
import org.erasure.events.serde.EventJson;
import org.junit.jupiter.api.Test;

class RequestKeysTest {
    final InMemoryKeyStore store = new InMemoryKeyStore();
    final RequestKeys keys = new RequestKeys(new Envelope(EnvelopeTest.randomKek("kek-1")), store);

    static ContributorErasureRequested request(String contributor, String email) {
        return ContributorErasureRequested.builder().contributorId(contributor).identifiers(List.of(email), List.of("w-" + contributor))
                .requestedBy("test").reason(ErasureReason.USER_REQUEST).mode(Mode.EXECUTE).build();
    }

    @Test
    void sealOpenShred() {
        ContributorErasureRequested plain = request("c-1", "bob@example.com");
        ContributorErasureRequested sealed = keys.seal(plain);
        assertThat(sealed.identifiers()).isNull();
        assertThat(EventJson.writeString(sealed)).doesNotContain("bob@example.com").doesNotContain("w-c-1");
        assertThat(store.get(plain.requestId())).isPresent();
        assertThat(keys.seal(sealed)).isSameAs(sealed);

        // What a reader gets off the wire opens to the original request.
        ContributorErasureRequested read = EventJson.read(EventJson.write(sealed), ContributorErasureRequested.class);
        assertThat(keys.open(read)).isEqualTo(new Opening.Opened(plain));
        assertThat(keys.open(plain)).isEqualTo(new Opening.Opened(plain));

        keys.shred(plain.requestId());
        keys.shred(plain.requestId()); // idempotent
        assertThat(keys.open(read)).isEqualTo(new Opening.KeyShredded(plain.requestId()));
        assertThat(((Opening.KeyShredded) keys.open(read)).code()).isEqualTo("KEY_SHREDDED");
    }

    @Test
    void aBatchIsSealedWithOneWriteOfItsKeysInItsOrder() {
        java.util.List<Integer> writes = new java.util.ArrayList<>();
        InMemoryKeyStore inner = new InMemoryKeyStore();
        KeyStore counted = new KeyStore() {
            @Override
            public void putAll(Map<UUID, WrappedKey> toPut) {
                writes.add(toPut.size());
                toPut.forEach(inner::put);
            }

            @Override
            public void put(UUID requestId, WrappedKey key) {
                writes.add(1);
                inner.put(requestId, key);
            }

            @Override public java.util.Optional<WrappedKey> get(UUID requestId) { return inner.get(requestId); }
            @Override public void shred(UUID requestId) { inner.shred(requestId); }
            @Override public void close() {}
        };
        RequestKeys batch = new RequestKeys(new Envelope(EnvelopeTest.randomKek("kek-1")), counted);
        ContributorErasureRequested already = batch.seal(request("c-0", "zero@example.com"));
        writes.clear();
        List<ContributorErasureRequested> plain = List.of(request("c-1", "one@example.com"), request("c-2", "two@example.com"));
        List<ContributorErasureRequested> sealed = batch.sealAll(List.of(plain.get(0), already, plain.get(1)));
        assertThat(writes).containsExactly(2);
        assertThat(sealed).extracting(ContributorErasureRequested::requestId)
                .containsExactly(plain.get(0).requestId(), already.requestId(), plain.get(1).requestId());
        assertThat(sealed.get(1)).isSameAs(already);
        assertThat(sealed).allSatisfy(r -> assertThat(EventJson.writeString(r)).doesNotContain("@example.com"));
        assertThat(batch.open(sealed.get(0))).isEqualTo(new Opening.Opened(plain.get(0)));
        assertThat(batch.open(sealed.get(2))).isEqualTo(new Opening.Opened(plain.get(1)));
        batch.sealAll(List.of(already));
        assertThat(writes).as("nothing new to store: no write").containsExactly(2);
    }

    @Test
    void aBatchOpensEachRequestOnItsOwn() {
        ContributorErasureRequested a = keys.seal(request("c-a", "a@example.com"));
        ContributorErasureRequested b = keys.seal(request("c-b", "b@example.com"));
        ContributorErasureRequested c = request("c-c", "c@example.com");
        keys.shred(b.requestId());
        // A key moved onto another request is refused, not used.
        ContributorErasureRequested d = keys.seal(request("c-d", "d@example.com"));
        store.put(d.requestId(), store.get(a.requestId()).orElseThrow());
        Map<UUID, Opening> opened = keys.openAll(List.of(a, b, c, d));
        assertThat(opened.keySet()).containsExactly(a.requestId(), b.requestId(), c.requestId(), d.requestId());
        assertThat(opened.get(a.requestId())).isInstanceOf(Opening.Opened.class);
        assertThat(((Opening.Opened) opened.get(a.requestId())).request().identifiers().emails()).containsExactly("a@example.com");
        assertThat(opened.get(b.requestId())).isEqualTo(new Opening.KeyShredded(b.requestId()));
        assertThat(opened.get(c.requestId())).isEqualTo(new Opening.Opened(c));
        assertThat(opened.get(d.requestId())).isInstanceOf(Opening.Unreadable.class);
        assertThat(((Opening.Unreadable) opened.get(d.requestId())).reason()).doesNotContain("d@example.com");
    }

    @Test
    void settingsDefaultOffAndAMissingKeyWithEncryptionOnIsAStartupError() {
        KeysSettings off = KeysSettings.from(ConfigFactory.empty());
        assertThat(off.encrypt()).isFalse();
        assertThat(off.kek()).isNull();
        assertThat(off.topic()).isEqualTo(KeyTopic.defaults());
        assertThat(off.topic().keyRemovalBound()).isEqualTo(Duration.ofHours(2).plusMinutes(1).plusSeconds(15));
        assertThat(off.topic().config()).containsEntry("cleanup.policy", "compact").containsEntry("min.compaction.lag.ms", "0")
                .containsEntry("segment.ms", "3600000").containsEntry("max.compaction.lag.ms", "3600000")
                .containsEntry("delete.retention.ms", "3600000");

        assertThatThrownBy(() -> KeysSettings.from(ConfigFactory.parseString("encrypt = true")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keys.kek is not set");
        assertThatThrownBy(() -> KeysSettings.from(ConfigFactory.parseString("encrypt = true, kek = \"c2VrcmV0\"")))
                .hasMessage("keys.kek: key-encryption key must be 32 bytes (AES-256), got 6").hasMessageNotContaining("c2VrcmV0");

        String kek = Base64.getEncoder().encodeToString(new byte[32]);
        KeysSettings on = KeysSettings.from(ConfigFactory.parseString(
                "encrypt = true, kek = \"" + kek + "\", kek-id = k2, topic { name = t, segment = 10m, max-compaction-lag = 5m }"));
        assertThat(on.kek().id()).isEqualTo("k2");
        assertThat(on.topic().name()).isEqualTo("t");
        assertThat(on.topic().keyRemovalBound()).isEqualTo(Duration.ofMinutes(16).plusSeconds(15));
    }
}
