package org.erasure.ingest.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.erasure.client.coordination.ClaimLog;
import org.erasure.client.coordination.ClaimRecord;

/**
 * {@link Idempotency} shared by every ingest replica through the claims topic ({@link ClaimLog}): a
 * retry that lands on another replica, or after a restart, gets the first answer; two replicas that
 * receive the same key at the same moment agree on one winner (the first claim on the topic), and the
 * other answers with the winner's response once it is there (waiting up to {@code inFlightWait}; 409
 * after that).
 *
 * <p>The topic holds a SHA-256 of client name and key, a SHA-256 of the request, and the answer; never
 * the key or the request itself.
 */
public final class ReplicatedIdempotency implements Idempotency {

    private final ClaimLog claims;
    private final Duration inFlightWait;

    public ReplicatedIdempotency(ClaimLog claims, Duration inFlightWait) {
        this.claims = claims;
        this.inFlightWait = inFlightWait;
    }

    @Override
    public Lookup begin(String client, String key, byte[] fingerprint) {
        String digest = keyDigest(client, key);
        ClaimLog.KeyOutcome outcome;
        try {
            outcome = claims.claimKey(digest, HexFormat.of().formatHex(fingerprint), inFlightWait);
        } catch (ClaimLog.Unavailable e) {
            return new Lookup.Unavailable(e.getMessage());
        }
        return switch (outcome) {
            case ClaimLog.KeyOutcome.Won w -> new Lookup.Proceed(new Ticket() {
                @Override
                public void complete(Response r) {
                    claims.finishKey(w.callId(), digest, new ClaimRecord.StoredResponse(r.status(), r.contentType(), r.body()));
                }

                @Override
                public void abandon() {
                    claims.finishKey(w.callId(), digest, null);
                }
            });
            case ClaimLog.KeyOutcome.Answered a ->
                    new Lookup.Replay(new Response(a.response().status(), a.response().contentType(), a.response().body()));
            case ClaimLog.KeyOutcome.OtherRequest o -> new Lookup.Mismatch();
            case ClaimLog.KeyOutcome.StillRunning s -> new Lookup.InFlight();
        };
    }

    /** Keys are per client; the digest keeps a key that happens to hold an identifier off the topic. */
    static String keyDigest(String client, String key) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest((client + "\u0000" + key).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
