package org.erasure.e2e.bench.pipeline.direct;

import java.util.List;

/**
 * Erases people from one store directly, without Kafka or a sink, with the store mapping of that
 * sink's {@code reference.conf}: one contributor at a time as the old script did ({@link #eraseOne}),
 * or the whole set with one bulk operation per target ({@link #eraseAll}, the lower bound).
 */
public interface DirectEraser extends AutoCloseable {

    /** postgres, elasticsearch, clickhouse, s3, redis. */
    String store();

    /** The old way: this contributor only, a statement / request / mutation per target. */
    Erased eraseOne(Subject subject);

    /** The lower bound: every subject with one bulk operation per target. */
    Erased eraseAll(List<Subject> subjects);

    @Override
    void close();
}
