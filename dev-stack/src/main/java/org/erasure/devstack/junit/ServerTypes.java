package org.erasure.devstack.junit;

import java.util.Map;
import java.util.function.Function;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.ManagedServer;
import org.erasure.devstack.clickhouse.ClickHouseServer;
import org.erasure.devstack.elasticsearch.ElasticsearchServer;
import org.erasure.devstack.kafka.KafkaBroker;
import org.erasure.devstack.postgres.PostgresServer;
import org.erasure.devstack.redis.RedisServer;
import org.erasure.devstack.s3.S3Server;

/** Which parameter type starts which server. */
final class ServerTypes {
    private ServerTypes() {}

    static final Map<Class<?>, Function<DevStack, ManagedServer>> ALL = Map.of(
            KafkaBroker.class, DevStack::kafka,
            PostgresServer.class, DevStack::postgres,
            RedisServer.class, DevStack::redis,
            S3Server.class, DevStack::s3,
            ClickHouseServer.class, DevStack::clickhouse,
            ElasticsearchServer.class, DevStack::elasticsearch);
}
