package org.erasure.events;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** The five stores a contributor is erased from; one sink service per phase. */
public enum Phase {
    POSTGRES, ELASTICSEARCH, CLICKHOUSE, S3, REDIS;

    private static final Set<Phase> ALL = Collections.unmodifiableSet(EnumSet.allOf(Phase.class));

    /** All five phases, in declaration order (the default for {@code systems}). */
    public static Set<Phase> all() {
        return ALL;
    }
}
