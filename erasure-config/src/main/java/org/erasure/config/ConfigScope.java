package org.erasure.config;

import com.typesafe.config.ConfigUtil;
import java.util.List;

/**
 * What one program owns in the configuration: its root sections, which are also the prefixes of its
 * environment variables ({@code sink} → {@code SINK_*}), and the open subtrees under them, whose keys
 * are free-form (Kafka client properties, maps from a name the operator chooses to a value): keys
 * there are passed on as given, never refused as unknown.
 */
public record ConfigScope(List<String> roots, List<String> openPaths) {

    public ConfigScope {
        roots = List.copyOf(roots);
        openPaths = List.copyOf(openPaths);
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("a scope needs at least one root section");
        }
        for (String open : openPaths) {
            if (roots.stream().noneMatch(root -> startsWith(ConfigUtil.splitPath(open), List.of(root)))) {
                throw new IllegalArgumentException("open path " + open + " is not under one of " + roots);
            }
        }
    }

    public static ConfigScope of(String... roots) {
        return new ConfigScope(List.of(roots), List.of());
    }

    /** This scope with {@code paths} (full paths, e.g. {@code sink.kafka.client}) open. */
    public ConfigScope open(String... paths) {
        List<String> all = new java.util.ArrayList<>(openPaths);
        all.addAll(List.of(paths));
        return new ConfigScope(roots, all);
    }

    /** Whether {@code path} (a path expression, quotes allowed) lies in an open subtree. */
    public boolean isOpen(String path) {
        List<String> elements = ConfigUtil.splitPath(path);
        return openPaths.stream().anyMatch(open -> startsWith(elements, ConfigUtil.splitPath(open)));
    }

    private static boolean startsWith(List<String> path, List<String> prefix) {
        return path.size() >= prefix.size() && path.subList(0, prefix.size()).equals(prefix);
    }
}
