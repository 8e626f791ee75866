package org.erasure.sink.postgres;

import org.erasure.sink.runtime.SinkApplication;

/** {@code java -jar sink-postgres.jar --config FILE}. */
public final class PostgresSinkMain {
    private PostgresSinkMain() {}

    public static void main(String[] args) {
        SinkApplication.main(args, new PostgresStoreModule());
    }
}
