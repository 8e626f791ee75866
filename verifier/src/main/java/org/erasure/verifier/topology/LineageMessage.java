package org.erasure.verifier.topology;

import java.util.UUID;

/**
 * Replay lineage, exchanged between tasks through the verifier's lineage topic (keyed by the
 * request the message is <em>for</em>, so it reaches the task that owns that request's state).
 *
 * <ul>
 *   <li>{@code ASK}, keyed by the original request X: "request {@code requestId} is a replay of
 *       you; what is your revision?"</li>
 *   <li>{@code ANSWER}, keyed by the replay: "your original {@code requestId} is at
 *       {@code revision}" (0 if it has no final record yet or is unknown).</li>
 * </ul>
 */
public record LineageMessage(Kind kind, UUID requestId, int revision) {
    public enum Kind { ASK, ANSWER }

    public static final JsonSerde<LineageMessage> SERDE = new JsonSerde<>(LineageMessage.class);

    public static LineageMessage ask(UUID replayRequestId) {
        return new LineageMessage(Kind.ASK, replayRequestId, 0);
    }

    public static LineageMessage answer(UUID originRequestId, int originRevision) {
        return new LineageMessage(Kind.ANSWER, originRequestId, originRevision);
    }
}
