package org.erasure.client.coordination;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the claims topic says so far, applied record by record in offset order. Every replica applies
 * the same records in the same order with the same record timestamps, so every replica reaches the
 * same decisions: who holds an Idempotency-Key, which calls still hold a contributor.
 *
 * <p>Idempotency-Keys: the first {@link ClaimRecord.Claim} of a key wins; later claims of the same key
 * change nothing (their callers read the winner's entry and answer with it). The winner's
 * {@link ClaimRecord.Done} stores its response, or forgets the key (response null: a 5xx, retry is safe).
 * A key is remembered for {@code ttl} from its winning claim; a winner that neither answered nor gave up
 * within {@code lease} (it crashed) can be overtaken by a later claim.
 *
 * <p>Subjects ({@code contributorId/mode}): a claim with subjects holds them until its Done, or until
 * {@code lease} after its claim. A call may go ahead once every earlier call holding one of its subjects
 * is done or expired ({@link #heldBefore}). Not thread-safe: {@link ClaimLog} serialises access.
 */
final class ClaimState {

    /** A claim with subjects that has not said Done. */
    record Call(UUID callId, long offset, Instant claimedAt, Set<String> subjects) {}

    /** Who holds an Idempotency-Key; {@code response} null while the winner is working. */
    record KeyEntry(UUID winner, String fingerprint, Instant claimedAt, ClaimRecord.StoredResponse response) {}

    /** Expired entries are dropped at most this often, at record times, so all replicas drop at the same records. */
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);

    private final Duration ttl;
    private final Duration lease;
    private final int maxKeys;
    /** Insertion order = order of winning claims: the eldest is evicted when there are more than maxKeys. */
    private final LinkedHashMap<String, KeyEntry> keys = new LinkedHashMap<>();
    private final Map<UUID, Call> calls = new HashMap<>();
    private final Map<String, TreeMap<Long, Call>> bySubject = new HashMap<>();
    private Instant lastSweep = Instant.EPOCH;

    ClaimState(Duration ttl, Duration lease, int maxKeys) {
        this.ttl = ttl;
        this.lease = lease;
        this.maxKeys = maxKeys;
    }

    /** Applies the record at {@code offset} with the topic's timestamp {@code at}. */
    void apply(long offset, Instant at, ClaimRecord record) {
        sweep(at);
        switch (record) {
            case ClaimRecord.Claim c -> {
                if (c.idempotencyKey() != null) {
                    KeyEntry held = keys.get(c.idempotencyKey());
                    if (held == null || expired(held, at) || abandoned(held, at)) {
                        keys.remove(c.idempotencyKey());
                        keys.put(c.idempotencyKey(), new KeyEntry(c.callId(), c.fingerprint(), at, null));
                        if (keys.size() > maxKeys) {
                            Iterator<String> eldest = keys.keySet().iterator();
                            eldest.next();
                            eldest.remove();
                        }
                    }
                }
                if (!c.subjects().isEmpty()) {
                    Call call = new Call(c.callId(), offset, at, c.subjects());
                    calls.put(c.callId(), call);
                    for (String s : c.subjects()) {
                        bySubject.computeIfAbsent(s, k -> new TreeMap<>()).put(offset, call);
                    }
                }
            }
            case ClaimRecord.Done d -> {
                if (d.idempotencyKey() != null) {
                    KeyEntry held = keys.get(d.idempotencyKey());
                    if (held != null && held.winner().equals(d.callId()) && held.response() == null) {
                        if (d.response() == null) {
                            keys.remove(d.idempotencyKey());
                        } else {
                            keys.put(d.idempotencyKey(), new KeyEntry(held.winner(), held.fingerprint(), held.claimedAt(), d.response()));
                        }
                    }
                }
                forget(calls.remove(d.callId()));
            }
        }
    }

    private boolean expired(KeyEntry e, Instant at) {
        return !at.isBefore(e.claimedAt().plus(ttl));
    }

    /** The winner neither answered nor gave up within the lease: it is gone. */
    private boolean abandoned(KeyEntry e, Instant at) {
        return e.response() == null && !at.isBefore(e.claimedAt().plus(lease));
    }

    private void forget(Call call) {
        if (call == null) {
            return;
        }
        for (String s : call.subjects()) {
            TreeMap<Long, Call> held = bySubject.get(s);
            if (held != null) {
                held.remove(call.offset());
                if (held.isEmpty()) {
                    bySubject.remove(s);
                }
            }
        }
    }

    private void sweep(Instant at) {
        if (at.isBefore(lastSweep.plus(SWEEP_EVERY))) {
            return;
        }
        lastSweep = at;
        keys.values().removeIf(e -> expired(e, at));
        List<Call> stale = calls.values().stream().filter(c -> !at.isBefore(c.claimedAt().plus(lease))).toList();
        for (Call c : stale) {
            calls.remove(c.callId());
            forget(c);
        }
    }

    /** The key's entry, whoever won it; null when nobody holds it. */
    KeyEntry key(String idempotencyKey) {
        return keys.get(idempotencyKey);
    }

    /** The key's entry if it is still remembered at {@code now} (local clock; for answering without a claim). */
    KeyEntry liveKey(String idempotencyKey, Instant now) {
        KeyEntry e = keys.get(idempotencyKey);
        return e == null || expired(e, now) ? null : e;
    }

    /** The call's claim, while it holds subjects. */
    Call call(UUID callId) {
        return calls.get(callId);
    }

    /**
     * Calls claimed before {@code mine} that hold one of its subjects and are neither done nor past
     * their lease at {@code now}: {@code mine} must wait for them.
     */
    List<Call> heldBefore(Call mine, Instant now) {
        Set<Call> before = new LinkedHashSet<>();
        for (String s : mine.subjects()) {
            TreeMap<Long, Call> held = bySubject.get(s);
            if (held != null) {
                for (Call c : held.headMap(mine.offset(), false).values()) {
                    if (now.isBefore(c.claimedAt().plus(lease))) {
                        before.add(c);
                    }
                }
            }
        }
        return new ArrayList<>(before);
    }

    int keyCount() {
        return keys.size();
    }

    int callCount() {
        return calls.size();
    }
}
