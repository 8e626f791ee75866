package org.erasure.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Checks a loaded configuration against the reference: every key the operator's file sets under the
 * scope's roots must exist in a {@code reference.conf} (open subtrees excepted; the environment only
 * sets keys that exist), every top-level section of the file must be one of the roots, and the types
 * of the loaded configuration must fit ({@link Config#checkValid},
 * which on its own ignores unknown keys). All problems are reported at once, each with the key and
 * where it was set (file and line, or environment variable).
 */
public final class KeyCheck {

    private KeyCheck() {}

    /**
     * @param loaded    the configuration the program will read
     * @param reference what the program knows: its {@code reference.conf} files
     * @param given     the operator's layer (the file), for its top-level sections; may be empty
     */
    public static void check(Config loaded, Config reference, Config given, ConfigScope scope) {
        List<ConfigException.ValidationProblem> problems = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> section : given.root().entrySet()) {
            if (!scope.roots().contains(section.getKey())) {
                problems.add(new ConfigException.ValidationProblem(ConfigUtil.joinPath(section.getKey()),
                        section.getValue().origin(), "unknown section (this program reads " + String.join(", ", scope.roots()) + ")"));
            }
        }
        for (String root : scope.roots()) {
            ConfigValue section = given.root().get(root);
            if (section != null) {
                leaves(root, section, (path, value) -> {
                    if (!scope.isOpen(path) && !exists(reference, path)) {
                        problems.add(new ConfigException.ValidationProblem(path, value.origin(),
                                "unknown key" + suggestion(reference, path).map(s -> " (did you mean " + s + "?)").orElse("")));
                    }
                });
            }
        }
        try {
            loaded.checkValid(reference, scope.roots().toArray(String[]::new));
        } catch (ConfigException.ValidationFailed e) {
            problems.addAll(0, listOf(e.problems()));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException.ValidationFailed(problems);
        }
    }

    /**
     * The leaves of the operator's (unresolved) layer: what the file sets. Not the loaded config: that
     * also holds the JVM's system properties, which test harnesses use for their own settings.
     */
    private static void leaves(String path, ConfigValue value, BiConsumer<String, ConfigValue> out) {
        if (value instanceof ConfigObject object) {
            try {
                if (object.isEmpty()) {
                    out.accept(path, value);
                }
                for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
                    leaves(path + "." + ConfigUtil.joinPath(e.getKey()), e.getValue(), out);
                }
            } catch (ConfigException.NotResolved e) {
                out.accept(path, value); // an object built by substitution: its path is what can be checked
            }
        } else {
            out.accept(path, value);
        }
    }

    private static boolean exists(Config reference, String path) {
        try {
            return reference.hasPathOrNull(path);
        } catch (ConfigException e) {
            return false; // a path through a value that is not an object: checkValid names the type
        }
    }

    /** The nearest key the reference has beside {@code path}, when it is a likely typo of it. */
    private static Optional<String> suggestion(Config reference, String path) {
        List<String> elements = ConfigUtil.splitPath(path);
        List<String> known = new ArrayList<>();
        String parent = "";
        for (int i = 0; i < elements.size(); i++) {
            ConfigObject siblings;
            try {
                siblings = parent.isEmpty() ? reference.root() : reference.getObject(parent);
            } catch (ConfigException e) {
                return Optional.empty();
            }
            String element = elements.get(i);
            if (!siblings.containsKey(element)) {
                String prefix = parent.isEmpty() ? "" : parent + ".";
                return siblings.keySet().stream()
                        .filter(k -> distance(k, element) <= Math.max(2, element.length() / 4))
                        .min(Comparator.comparingInt(k -> distance(k, element)))
                        .map(k -> prefix + ConfigUtil.joinPath(k));
            }
            parent = ConfigUtil.joinPath(elements.subList(0, i + 1));
        }
        return Optional.empty();
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    private static <T> List<T> listOf(Iterable<T> items) {
        List<T> list = new ArrayList<>();
        items.forEach(list::add);
        return list;
    }
}
