package org.erasure.sink.elasticsearch;

import org.erasure.sink.runtime.SinkApplication;

/** {@code java -jar sink-elasticsearch.jar --config FILE}. */
public final class ElasticsearchSinkMain {
    private ElasticsearchSinkMain() {}

    public static void main(String[] args) {
        SinkApplication.main(args, new ElasticsearchStoreModule());
    }
}
