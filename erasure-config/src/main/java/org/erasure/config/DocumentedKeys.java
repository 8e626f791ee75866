package org.erasure.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a README's configuration tables against the declarations: the keys of a section as its
 * {@code reference.conf} declares them (name, default, and in its comments what the key means) and
 * their environment variables by the one rule ({@link EnvOverrides}). A declared key no table names,
 * a tabled key nothing declares, and a tabled variable no key gives are each a problem.
 *
 * <p>How a table names keys, in its first column: {@code `sink.batch.max-size`} or, for a store's
 * section, relative to it ({@code `jdbc-url`}); {@code `a.b.c` / `d` / `e`} for the siblings
 * {@code a.b.d} and {@code a.b.e}; {@code `a.b.{x,y}`} for {@code a.b.x} and {@code a.b.y};
 * {@code `a.b { }`} for an open subtree. Variables ({@code `SINK_BATCH_MAX_SIZE`}, {@code `POSTGRES_POOL_*`})
 * may appear in any column.
 */
public final class DocumentedKeys {

    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern BRACES = Pattern.compile("^(.*)\\.\\{([^}]+)}$");

    private DocumentedKeys() {}

    /** {@link #check(String, Config, String, ConfigScope)} of a README file against the class path's reference.conf. */
    public static List<String> check(java.nio.file.Path readme, String root, ConfigScope scope) {
        try {
            return check(java.nio.file.Files.readString(readme), ServiceConfig.reference(), root, scope);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Problems of {@code markdown}'s tables for {@code root}'s keys; empty when table and declarations agree. */
    public static List<String> check(String markdown, Config reference, String root, ConfigScope scope) {
        Set<String> declared = declared(reference, root, scope);
        Set<String> documented = new TreeSet<>();
        Set<String> variables = new TreeSet<>();
        boolean configurationSection = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("#")) {
                configurationSection = line.toLowerCase(java.util.Locale.ROOT).contains("configuration");
                continue;
            }
            if (!line.startsWith("|") || line.startsWith("|---") || line.startsWith("| ---")) {
                continue;
            }
            String[] cells = line.split("(?<!\\\\)\\|");
            if (cells.length < 2) {
                continue;
            }
            for (String key : keys(cells[1], root, configurationSection)) {
                // a key inside an open subtree (an example entry) documents the subtree
                documented.add(scope.openPaths().stream().filter(open -> scope.isOpen(key) && new ConfigScope(List.of(root),
                        List.of(open)).isOpen(key)).findFirst().map(DocumentedKeys::canonical).orElse(key));
            }
            Matcher m = CODE.matcher(line);
            while (m.find()) {
                String code = m.group(1);
                if (code.startsWith(EnvOverrides.envName(root) + "_") && code.matches("[A-Z0-9_]+\\*?")) {
                    variables.add(code);
                }
            }
        }
        List<String> problems = new ArrayList<>();
        for (String key : declared) {
            if (!documented.contains(key)) {
                problems.add(key + " is declared in reference.conf but no README table names it");
            }
        }
        for (String key : documented) {
            if (!declared.contains(key)) {
                problems.add(key + " is in a README table but no reference.conf declares it");
            }
        }
        Set<String> names = EnvOverrides.names(reference, new ConfigScope(List.of(root), List.of()));
        for (String variable : variables) {
            boolean known = variable.endsWith("*")
                    ? names.stream().anyMatch(n -> n.startsWith(variable.substring(0, variable.length() - 1)))
                    : names.contains(variable);
            if (!known) {
                problems.add(variable + " is in a README table but is not the variable of any key (" + root + ")");
            }
        }
        return problems;
    }

    /** Every leaf under {@code root}, an open subtree counting as one key. */
    static Set<String> declared(Config reference, String root, ConfigScope scope) {
        Set<String> keys = new TreeSet<>();
        if (!reference.hasPath(root)) {
            return keys;
        }
        reference.getConfig(root).entrySet().forEach(e -> {
            String path = root + "." + e.getKey();
            if (!scope.isOpen(path)) {
                keys.add(canonical(path));
            }
        });
        scope.openPaths().stream().filter(p -> p.startsWith(root + ".")).forEach(p -> keys.add(canonical(p)));
        return keys;
    }

    /** The keys the first cell of a row names; relative ones only in a configuration section. */
    static List<String> keys(String cell, String root, boolean relativeAllowed) {
        List<String> keys = new ArrayList<>();
        String parent = null;
        Matcher m = CODE.matcher(cell);
        while (m.find()) {
            String token = m.group(1).replaceAll("\\s+\\{.*}\\s*$", "").replaceAll("\\{\\s*}$", "").strip();
            if (token.isEmpty() || !token.matches("[A-Za-z0-9_.\"{},*-]+") || token.endsWith("*")) {
                continue;
            }
            String full;
            if (token.equals(root) || token.startsWith(root + ".")) {
                full = token;
            } else if (parent != null) {
                full = parent + "." + token;
            } else if (relativeAllowed) {
                full = root + "." + token;
            } else {
                break;
            }
            Matcher braces = BRACES.matcher(full);
            if (braces.matches()) {
                for (String child : braces.group(2).split(",")) {
                    keys.add(canonical(braces.group(1) + "." + child.strip()));
                }
                parent = braces.group(1);
            } else {
                keys.add(canonical(full));
                List<String> elements = ConfigUtil.splitPath(full);
                parent = elements.size() > 1 ? ConfigUtil.joinPath(elements.subList(0, elements.size() - 1)) : null;
            }
        }
        return keys;
    }

    private static String canonical(String path) {
        return ConfigUtil.joinPath(ConfigUtil.splitPath(path));
    }
}
