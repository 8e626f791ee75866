package org.erasure.e2e.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A docker-compose.yml read as compose reads it: YAML with anchors and merge keys, then {@code ${VAR}},
 * {@code ${VAR:-default}}, {@code ${VAR:?message}} and {@code $$} interpolated from an env file. Only what
 * the checks look at is modelled.
 */
record ComposeFile(Map<String, Service> services) {

    /**
     * One service. {@code rawEnvironment} is as written (before interpolation), to tell a literal from a
     * value taken from the env file.
     */
    record Service(String name, String image, String buildTarget, Map<String, String> buildArgs,
                   Map<String, String> environment, Map<String, String> rawEnvironment, List<String> command,
                   boolean healthCheck, String restart, Map<String, String> dependsOn, List<String> ports,
                   List<String> profiles, String containerName) {

        boolean oneShot() {
            return "no".equals(restart);
        }

        /** The repository module the service's image runs ({@code build.args.MODULE}, or "tools" for that target). */
        String module() {
            if (buildArgs.containsKey("MODULE")) {
                return buildArgs.get("MODULE");
            }
            return "tools".equals(buildTarget) ? "tools" : null;
        }
    }

    private static final Pattern VARIABLE = Pattern.compile(
            "\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    static ComposeFile parse(String yaml, Map<String, String> env) {
        Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        Map<String, Object> services = map(map(root, "the file").get("services"), "services");
        Map<String, Service> parsed = new LinkedHashMap<>();
        services.forEach((name, value) -> parsed.put(name, service(name, map(value, name), env)));
        return new ComposeFile(parsed);
    }

    /** As compose interpolates a value; a missing {@code ${VAR:?message}} is an error naming the variable. */
    static String interpolate(String text, Map<String, String> env) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else {
                String name = m.group(1) != null ? m.group(1) : m.group(4);
                String value = env.get(name);
                String op = m.group(2);
                boolean unset = value == null || (op != null && op.startsWith(":") && value.isEmpty());
                if (op != null && op.endsWith("?") && unset) {
                    throw new IllegalArgumentException("required variable " + name + " is not set: " + m.group(3));
                }
                replacement = unset ? (op != null && op.endsWith("-") ? m.group(3) : "") : value;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@code KEY=VALUE} lines of an env file; comments and blank lines skipped. */
    static Map<String, String> envFile(String text) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (l.isEmpty() || l.startsWith("#") || eq < 1) {
                continue;
            }
            env.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
        }
        return env;
    }

    private static Service service(String name, Map<String, Object> s, Map<String, String> env) {
        String buildTarget = null;
        Map<String, String> buildArgs = Map.of();
        if (s.get("build") instanceof Map<?, ?> build) {
            buildTarget = build.get("target") == null ? null : build.get("target").toString();
            buildArgs = build.get("args") == null ? Map.of() : keyValues(build.get("args"), name + ".build.args");
        }
        Map<String, String> raw = s.get("environment") == null ? Map.of() : keyValues(s.get("environment"), name + ".environment");
        Map<String, String> environment = new LinkedHashMap<>();
        raw.forEach((k, v) -> environment.put(k, interpolate(v, env)));
        List<String> command = new ArrayList<>();
        if (s.get("command") instanceof List<?> list) {
            list.forEach(a -> command.add(interpolate(String.valueOf(a), env)));
        } else if (s.get("command") != null) {
            command.addAll(List.of(interpolate(s.get("command").toString(), env).split("\\s+")));
        }
        boolean health = s.get("healthcheck") instanceof Map<?, ?> h && h.get("test") != null && !Boolean.TRUE.equals(h.get("disable"));
        Map<String, String> dependsOn = new LinkedHashMap<>();
        if (s.get("depends_on") instanceof Map<?, ?> deps) {
            deps.forEach((k, v) -> dependsOn.put(k.toString(),
                    v instanceof Map<?, ?> d && d.get("condition") != null ? d.get("condition").toString() : "service_started"));
        } else if (s.get("depends_on") instanceof List<?> deps) {
            deps.forEach(d -> dependsOn.put(d.toString(), "service_started"));
        }
        List<String> ports = new ArrayList<>();
        if (s.get("ports") instanceof List<?> list) {
            list.forEach(p -> ports.add(interpolate(String.valueOf(p), env)));
        }
        List<String> profiles = new ArrayList<>();
        if (s.get("profiles") instanceof List<?> list) {
            list.forEach(p -> profiles.add(String.valueOf(p)));
        }
        String image = s.get("image") == null ? null : interpolate(s.get("image").toString(), env);
        return new Service(name, image, buildTarget, buildArgs, environment, raw, command, health,
                s.get("restart") == null ? null : s.get("restart").toString(), dependsOn, ports, profiles,
                s.get("container_name") == null ? null : s.get("container_name").toString());
    }

    /** A compose "list or dict": {@code {K: V}} or {@code [K=V, ...]}. */
    private static Map<String, String> keyValues(Object value, String where) {
        Map<String, String> result = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> result.put(k.toString(), v == null ? "" : v.toString()));
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                String s = item.toString();
                int eq = s.indexOf('=');
                result.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
            }
        } else {
            throw new IllegalArgumentException(where + " is neither a map nor a list");
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String where) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(where + " is not a YAML mapping");
        }
        return (Map<String, Object>) value;
    }
}
