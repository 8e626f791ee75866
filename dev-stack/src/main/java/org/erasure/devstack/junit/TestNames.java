package org.erasure.devstack.junit;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Unique, store-safe names for one test, so tests share servers without seeing each other's data.
 * Every name carries the same random suffix, which makes a test's leftovers easy to find.
 */
public final class TestNames {

    private final String stem;

    private TestNames(String stem) {
        this.stem = stem;
    }

    public static TestNames forTest(String displayName) {
        String base = displayName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        if (base.length() > 24) {
            base = base.substring(0, 24).replaceAll("-+$", "");
        }
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36), 36);
        return new TestNames((base.isEmpty() ? "t" : base) + "-" + suffix);
    }

    /** Kafka topic, consumer group or any dash-separated name. */
    public String topic(String purpose) {
        return purpose + "." + stem;
    }

    public String group(String purpose) {
        return purpose + "-" + stem;
    }

    /** Elasticsearch index (lower case). */
    public String index(String prefix) {
        return (prefix + stem).toLowerCase(Locale.ROOT);
    }

    /** SQL table or database name: letters, digits and underscores. */
    public String table(String prefix) {
        return (prefix + "_" + stem).replace('-', '_');
    }

    /** S3 bucket: 3–63 lower-case letters, digits and dashes. */
    public String bucket(String prefix) {
        String name = (prefix + "-" + stem).toLowerCase(Locale.ROOT);
        return name.length() > 63 ? name.substring(name.length() - 63).replaceAll("^-+", "") : name;
    }

    /** Redis key prefix ending in a colon. */
    public String keyPrefix(String prefix) {
        return prefix + ":" + stem + ":";
    }

    public String stem() {
        return stem;
    }
}
