package org.erasure.sink.s3;

import com.typesafe.config.Config;
import java.util.Locale;

/**
 * How a batch finds what to erase ({@code s3.listing { }}; see README, "Listing: per prefix or one
 * bucket pass").
 *
 * @param strategy    {@code auto} (the cost rule), or forced {@code per-prefix} / {@code bucket-pass}
 * @param minPrefixes auto: below this many prefixes under one template head a batch lists per prefix
 * @param shards      parallel key-range shards of a bucket pass
 * @param pageSize    entries per ListObjectVersions page of a bucket pass (S3's maximum is 1,000)
 * @param pageCost    auto: what one full page of the pass costs, in per-prefix listings (a shard that
 *                    spends more than per-prefix would have for the ids it passed falls back)
 */
record ListingConfig(Strategy strategy, int minPrefixes, int shards, int pageSize, double pageCost) {

    enum Strategy {
        AUTO, PER_PREFIX, BUCKET_PASS;

        String configName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Strategy parse(String value) {
            for (Strategy s : values()) {
                if (s.configName().equals(value.strip().toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
            throw new IllegalArgumentException("s3.listing.strategy must be auto, per-prefix or bucket-pass, not '" + value + "'");
        }
    }

    ListingConfig {
        if (minPrefixes < 1) {
            throw new IllegalArgumentException("s3.listing.bucket-pass-min-prefixes must be >= 1");
        }
        if (shards < 1 || shards > 256) {
            throw new IllegalArgumentException("s3.listing.shards must be 1..256");
        }
        if (pageSize < 1 || pageSize > 1000) {
            throw new IllegalArgumentException("s3.listing.page-size must be 1..1000");
        }
        if (!(pageCost > 0)) {
            throw new IllegalArgumentException("s3.listing.page-cost must be > 0");
        }
    }

    static ListingConfig from(Config s3) {
        Config c = s3.getConfig("listing");
        return new ListingConfig(Strategy.parse(c.getString("strategy")), c.getInt("bucket-pass-min-prefixes"),
                c.getInt("shards"), c.getInt("page-size"), c.getDouble("page-cost"));
    }

    static ListingConfig defaults() {
        return new ListingConfig(Strategy.AUTO, 200, 16, 1000, 4.0);
    }
}
