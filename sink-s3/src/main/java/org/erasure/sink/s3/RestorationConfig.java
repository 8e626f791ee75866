package org.erasure.sink.s3;

import com.typesafe.config.Config;
import java.util.List;

/**
 * Where the undo window keeps sealed copies of erased object versions ({@code s3.restoration { }}; README,
 * "Undo window").
 *
 * @param bucket       the restoration bucket; never one of the targets' buckets
 * @param createBucket create it on first use when absent
 */
record RestorationConfig(String bucket, boolean createBucket) {

    RestorationConfig {
        if (!bucket.matches("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("s3.restoration.bucket '" + bucket + "' is not a valid bucket name");
        }
    }

    static RestorationConfig from(Config s3, List<S3Target> targets) {
        Config c = s3.getConfig("restoration");
        RestorationConfig r = new RestorationConfig(c.getString("bucket"), c.getBoolean("create-bucket"));
        for (S3Target t : targets) {
            if (t.bucket().equals(r.bucket())) {
                throw new IllegalArgumentException("s3.restoration.bucket must not be a target bucket (" + r.bucket()
                        + "): erasing would reach the sealed copies and restoring would list them");
            }
        }
        return r;
    }

    static RestorationConfig defaults() {
        return new RestorationConfig("erasure-restoration", true);
    }
}
