package org.erasure.sink.clickhouse;

import org.erasure.sink.runtime.SinkApplication;

/** {@code java -jar sink-clickhouse.jar --config FILE}. */
public final class ClickHouseSinkMain {
    private ClickHouseSinkMain() {}

    public static void main(String[] args) {
        SinkApplication.main(args, new ClickHouseStoreModule());
    }
}
