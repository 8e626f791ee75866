package org.erasure.e2e.bench.pipeline.direct;

import org.erasure.devstack.seed.SampleWorld;

/** One person to erase, as the stores know them: the contributor id (also the worker id) and the email. */
public record Subject(String contributorId, String email) {

    public static Subject of(SampleWorld.Contributor c) {
        return new Subject(Long.toString(c.id()), c.email());
    }
}
