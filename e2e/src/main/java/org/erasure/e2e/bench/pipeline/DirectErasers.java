package org.erasure.e2e.bench.pipeline;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.erasure.devstack.DevStack;
import org.erasure.e2e.bench.pipeline.direct.ClickHouseDirect;
import org.erasure.e2e.bench.pipeline.direct.DirectEraser;
import org.erasure.e2e.bench.pipeline.direct.ElasticsearchDirect;
import org.erasure.e2e.bench.pipeline.direct.PostgresDirect;
import org.erasure.e2e.bench.pipeline.direct.RedisDirect;
import org.erasure.e2e.bench.pipeline.direct.S3Direct;

/**
 * The five direct erasers, in the order the old script walked the stores. The old script had no Kafka
 * step: the direct workloads (old way, lower bound) leave the sixth store, Kafka topics (sink-kafka), out,
 * and say so when they open.
 */
final class DirectErasers {

    private DirectErasers() {}

    static List<DirectEraser> open(DevStack stack, int s3Listers) {
        List<DirectEraser> erasers = new ArrayList<>();
        System.out.println("direct workloads: the five stores the old script walked; Kafka topics (sink-kafka) are not erased directly");
        try {
            erasers.add(new PostgresDirect(stack.postgres().newConnection()));
            erasers.add(new ElasticsearchDirect(stack.elasticsearch().newClient()));
            erasers.add(new ClickHouseDirect(stack.clickhouse()));
            erasers.add(new S3Direct(stack.s3().newClient(), s3Listers));
            erasers.add(new RedisDirect(stack.redis().newRedissonClient()));
            return erasers;
        } catch (SQLException | RuntimeException e) {
            erasers.forEach(DirectEraser::close);
            throw new IllegalStateException("Cannot open the stores: " + e.getMessage(), e);
        }
    }
}
