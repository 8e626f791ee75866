package org.erasure.verifier.status;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.erasure.config.ServiceConfig;
import org.erasure.events.Phase;
import org.erasure.verifier.config.VerifierConfig;

/**
 * Settings of the status page ({@code verifier.status-page}), read with the same layers as
 * {@link VerifierConfig}: environment ({@code VERIFIER_STATUS_PAGE_*}),
 * the {@code --config} file, {@code reference.conf}. Kept apart from VerifierConfig so the page's
 * knobs never touch the topology's settings.
 *
 * @param sinkGroups    each sink's consumer group on the interactive lane; its bulk lane's group is
 *                      the same name + {@value #BULK_SUFFIX} (sink-runtime's rule)
 * @param latestRecords final records kept for the page (latest ones, and as many TIMED_OUT ones)
 * @param inFlightLimit in-flight requests listed per instance (the count covers all of them)
 */
public record StatusPageConfig(Map<Phase, String> sinkGroups, int latestRecords, int inFlightLimit) {

    /** sink-runtime's {@code SinkSettings.groupId(BULK)}: the interactive group + "-bulk". */
    public static final String BULK_SUFFIX = "-bulk";

    public StatusPageConfig {
        if (sinkGroups.keySet().size() != Phase.values().length || sinkGroups.values().stream().anyMatch(String::isBlank)) {
            throw new ConfigException.Generic("verifier.status-page.sink-groups must name a group for each of " + java.util.List.of(Phase.values()));
        }
        if (latestRecords < 1 || inFlightLimit < 1) {
            throw new ConfigException.Generic("verifier.status-page.latest-records and in-flight-limit must be >= 1");
        }
        sinkGroups = Map.copyOf(sinkGroups);
    }

    /** {@code file} (may be null) over reference.conf, under the environment overrides. */
    public static StatusPageConfig load(File file) {
        return from(VerifierConfig.file(file));
    }

    /** {@code overrides} over reference.conf, under the process environment. */
    public static StatusPageConfig from(Config overrides) {
        return from(overrides, System.getenv());
    }

    /** {@code overrides} over reference.conf, under {@code env}, checked like {@link VerifierConfig}. */
    public static StatusPageConfig from(Config overrides, Map<String, String> env) {
        Config c = ServiceConfig.load(overrides, env, VerifierConfig.SCOPE).getConfig("verifier.status-page");
        Map<Phase, String> groups = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            groups.put(p, c.getString("sink-groups." + p.name().toLowerCase(Locale.ROOT)).strip());
        }
        return new StatusPageConfig(groups, c.getInt("latest-records"), c.getInt("in-flight-limit"));
    }

    /** reference.conf's values (and the environment's), for callers that give no config. */
    public static StatusPageConfig defaults() {
        return from(ConfigFactory.empty());
    }

    public String groupId(Phase phase, boolean bulk) {
        return sinkGroups.get(phase) + (bulk ? BULK_SUFFIX : "");
    }
}
