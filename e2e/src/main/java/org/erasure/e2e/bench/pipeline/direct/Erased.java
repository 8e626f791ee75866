package org.erasure.e2e.bench.pipeline.direct;

/** What a direct erasure changed in one store: records deleted and records masked. */
public record Erased(long deleted, long masked) {

    public static final Erased NONE = new Erased(0, 0);

    public Erased plus(Erased other) {
        return new Erased(deleted + other.deleted, masked + other.masked);
    }
}
