package org.erasure.sink.s3;

import org.erasure.sink.runtime.SinkApplication;

/** {@code java -jar sink-s3.jar --config FILE}. */
public final class S3SinkMain {
    private S3SinkMain() {}

    public static void main(String[] args) {
        SinkApplication.main(args, new S3StoreModule());
    }
}
