package org.erasure.keys;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * KEK rotation's second half: every key of a store that is wrapped by a previous KEK is rewrapped by the current one
 * ({@link Envelope#rewrap}: same data key, key id and {@code createdAt}) and written with {@link KeyStore#replaceAll},
 * so a key shredded meanwhile stays shredded. Keys wrapped by a KEK the envelope does not have are left as they are.
 */
public final class KeyRotation {

    /**
     * What a rewrap found and did; counts only (never key material or ids of the people concerned).
     *
     * @param read              live keys in the store
     * @param alreadyCurrent    already wrapped by the current KEK
     * @param rewrapped         rewrapped and written (a dry run: would be)
     * @param shreddedMeanwhile shredded by a sink or the verifier while being rewrapped: left (or made) shredded again
     * @param changedMeanwhile  replaced by another key while being rewrapped: that key kept
     * @param unknownKek        wrapped by a KEK this envelope does not have, by KEK id: left alone
     * @param unreadable        naming a KEK this envelope has but not unwrapping (other material under the same id,
     *                          changed bytes): left alone
     * @param putBack           live again after their shred (an earlier rewrap killed between its write and its check,
     *                          {@link KeyStore#resurrected()}): shredded again (a dry run: would be)
     */
    public record Result(int read, int alreadyCurrent, int rewrapped, int shreddedMeanwhile, int changedMeanwhile,
                         Map<String, Integer> unknownKek, int unreadable, int putBack) {
        public int unknownKekTotal() {
            return unknownKek.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** Every key is (or, in a dry run, would be) under the current KEK or shredded. */
        public boolean complete() {
            return unknownKek.isEmpty() && unreadable == 0;
        }
    }

    private KeyRotation() {}

    /** @param dryRun count only: nothing is written */
    public static Result rewrapAll(Envelope envelope, KeyStore store, boolean dryRun) {
        Map<UUID, WrappedKey> all = store.all();
        Set<UUID> putBack = store.resurrected();
        if (!dryRun) {
            putBack.forEach(store::shred);
        }
        int current = 0;
        int unreadable = 0;
        Map<String, Integer> unknown = new TreeMap<>();
        Map<UUID, KeyStore.Replacement> replacements = new LinkedHashMap<>();
        for (Map.Entry<UUID, WrappedKey> e : all.entrySet()) {
            WrappedKey k = e.getValue();
            if (putBack.contains(e.getKey())) {
                continue;
            }
            if (k.kekId().equals(envelope.currentKekId())) {
                current++;
            } else if (!envelope.hasKek(k.kekId())) {
                unknown.merge(k.kekId(), 1, Integer::sum);
            } else {
                try {
                    replacements.put(e.getKey(), new KeyStore.Replacement(k, envelope.rewrap(e.getKey(), k)));
                } catch (EnvelopeException ex) {
                    unreadable++;
                }
            }
        }
        if (dryRun || replacements.isEmpty()) {
            return new Result(all.size(), current, replacements.size(), 0, 0, unknown, unreadable, putBack.size());
        }
        KeyStore.Replaced r = store.replaceAll(replacements);
        return new Result(all.size(), current, r.replaced().size(), r.shreddedMeanwhile().size(), r.changedMeanwhile().size(),
                unknown, unreadable, putBack.size());
    }
}
