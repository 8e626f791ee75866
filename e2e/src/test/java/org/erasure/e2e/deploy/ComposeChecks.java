package org.erasure.e2e.deploy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.erasure.devstack.external.TopicSpec;

/**
 * The promises docker-compose.yml must keep, each a list of problems (empty = kept), named so a failure says
 * what to fix: every variable a service is given is one it reads; images (and the Dockerfile's bases) are
 * pinned; every long-running service has a health check and its dependents wait for it; `init` creates every
 * topic a service needs with the partition count it insists on; secrets come from the env file; replicas can
 * be scaled (no container names, no fixed host ports on sinks).
 */
final class ComposeChecks {

    /** A tag with a digit (not latest, not a bare name), or a digest. */
    private static final Pattern PINNED = Pattern.compile("[^\\s@]+:[^:/@\\s]*[0-9][^:/@\\s]*(@sha256:[0-9a-f]{64})?|[^\\s@]+@sha256:[0-9a-f]{64}");
    private static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|TOKEN|DIGEST_KEY|API_KEY|HMAC_KEY).*");
    private static final String INIT = "init";

    private ComposeChecks() {}

    static List<String> all(ComposeFile file, List<String> dockerfileBases) {
        List<String> problems = new ArrayList<>();
        problems.addAll(unknownModules(file));
        problems.addAll(unreadEnvironment(file));
        problems.addAll(unpinnedImages(file, dockerfileBases));
        problems.addAll(healthChecks(file));
        problems.addAll(missingTopics(file));
        problems.addAll(inlineSecrets(file));
        problems.addAll(uncheckedSecrets(file));
        problems.addAll(scaling(file));
        return problems;
    }

    /** A built service whose module this check does not know cannot be checked: a new module must be added. */
    static List<String> unknownModules(ComposeFile file) {
        List<String> problems = new ArrayList<>();
        for (ComposeFile.Service s : file.services().values()) {
            if (s.image() == null && ServiceContract.of(s.module()).isEmpty()) {
                problems.add("service " + s.name() + " is built from module '" + s.module() + "', which no ServiceContract describes");
            }
        }
        return problems;
    }

    static List<String> unreadEnvironment(ComposeFile file) {
        List<String> problems = new ArrayList<>();
        for (ComposeFile.Service s : file.services().values()) {
            Optional<ServiceContract> contract = ServiceContract.of(s.module());
            if (contract.isEmpty()) {
                continue;
            }
            Set<String> accepted = contract.get().acceptedEnvironment();
            for (String name : s.environment().keySet()) {
                if (!accepted.contains(name)) {
                    problems.add("service " + s.name() + " sets " + name + ", which " + s.module() + " does not read");
                }
            }
        }
        return problems;
    }

    static List<String> unpinnedImages(ComposeFile file, List<String> dockerfileBases) {
        List<String> problems = new ArrayList<>();
        for (ComposeFile.Service s : file.services().values()) {
            if (s.image() != null && !pinned(s.image())) {
                problems.add("service " + s.name() + " uses image " + s.image() + ", which is not pinned to a version");
            }
            if (s.image() == null && s.module() == null) {
                problems.add("service " + s.name() + " has neither an image nor a build of this repository");
            }
        }
        for (String base : dockerfileBases) {
            if (!pinned(base)) {
                problems.add("Dockerfile builds FROM " + base + ", which is not pinned to a version");
            }
        }
        return problems;
    }

    /** The external images a Dockerfile builds from ({@code FROM image [AS stage]}), without its own stages. */
    static List<String> dockerfileBases(String dockerfile) {
        List<String> bases = new ArrayList<>();
        Set<String> stages = new HashSet<>();
        for (String line : dockerfile.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 2 && words[0].equalsIgnoreCase("FROM")) {
                int i = words[1].startsWith("--platform=") ? 2 : 1;
                if (!stages.contains(words[i])) {
                    bases.add(words[i]);
                }
                if (words.length >= i + 3 && words[i + 1].equalsIgnoreCase("AS")) {
                    stages.add(words[i + 2]);
                }
            }
        }
        return bases;
    }

    static boolean pinned(String image) {
        return PINNED.matcher(image).matches() && !image.endsWith(":latest");
    }

    static List<String> healthChecks(ComposeFile file) {
        List<String> problems = new ArrayList<>();
        for (ComposeFile.Service s : file.services().values()) {
            if (!s.oneShot() && !s.healthCheck()) {
                problems.add("service " + s.name() + " runs without a health check");
            }
            if (!s.oneShot() && s.restart() == null) {
                problems.add("service " + s.name() + " has no restart policy");
            }
            s.dependsOn().forEach((dependency, condition) -> {
                ComposeFile.Service d = file.services().get(dependency);
                if (d == null) {
                    problems.add("service " + s.name() + " depends on " + dependency + ", which is not defined");
                    return;
                }
                String wanted = d.oneShot() ? "service_completed_successfully" : "service_healthy";
                if (!condition.equals(wanted)) {
                    problems.add("service " + s.name() + " waits for " + dependency + " with " + condition + " instead of " + wanted);
                }
            });
        }
        return problems;
    }

    /** Every topic a service needs is created by `init`, with the partition count the service insists on. */
    static List<String> missingTopics(ComposeFile file) {
        List<String> problems = new ArrayList<>();
        ComposeFile.Service init = file.services().get(INIT);
        if (init == null) {
            return List.of("there is no `init` service to create the topics");
        }
        Map<String, TopicSpec> created = new LinkedHashMap<>();
        for (String arg : init.command()) {
            if (arg.startsWith("--topic=")) {
                TopicSpec spec = TopicSpec.parse(arg.substring("--topic=".length()));
                created.put(spec.name(), spec);
            }
        }
        Set<String> reported = new HashSet<>();
        for (ComposeFile.Service s : file.services().values()) {
            Optional<ServiceContract> contract = ServiceContract.of(s.module());
            if (contract.isEmpty()) {
                continue;
            }
            for (ServiceContract.TopicNeed need : contract.get().topics(s.environment())) {
                TopicSpec spec = created.get(need.topic());
                if (spec == null) {
                    if (reported.add(need.topic() + "@" + s.name())) {
                        problems.add("service " + s.name() + " needs topic " + need.topic() + " (" + need.why() + "), which init does not create");
                    }
                } else if (need.partitions() > 0 && spec.partitions() != need.partitions()) {
                    problems.add("service " + s.name() + " needs topic " + need.topic() + " with " + need.partitions()
                            + " partitions (" + need.why() + "), init creates " + spec.partitions());
                }
            }
        }
        return problems;
    }

    /** A password, key or token is taken from the env file (${VAR}), never written into the compose file. */
    static List<String> inlineSecrets(ComposeFile file) {
        List<String> problems = new ArrayList<>();
        for (ComposeFile.Service s : file.services().values()) {
            s.rawEnvironment().forEach((name, raw) -> {
                if (SECRET_NAME.matcher(name).matches() && !raw.contains("${") && !raw.contains("$$")) {
                    problems.add("service " + s.name() + " has its secret " + name + " written in the file: take it from .env (${" + name + "})");
                }
            });
        }
        return problems;
    }

    /** The one-shot that stops the stack when a secret is unset (the file must parse without .env). */
    static final String SECRETS_CHECK = "secrets-check";
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)");

    /**
     * Every .env variable a secret is taken from is one {@value #SECRETS_CHECK} checks: without it a
     * missing secret would start a server with an empty password instead of stopping the stack.
     */
    static List<String> uncheckedSecrets(ComposeFile file) {
        List<String> problems = new ArrayList<>();
        ComposeFile.Service check = file.services().get(SECRETS_CHECK);
        Set<String> checked = check == null ? Set.of() : check.rawEnvironment().keySet();
        for (ComposeFile.Service s : file.services().values()) {
            s.rawEnvironment().forEach((name, raw) -> {
                if (!SECRET_NAME.matcher(name).matches()) {
                    return;
                }
                Matcher m = REFERENCE.matcher(raw);
                while (m.find()) {
                    if (!checked.contains(m.group(1))) {
                        problems.add("service " + s.name() + " takes its secret " + name + " from " + m.group(1) + ", which "
                                + SECRETS_CHECK + " does not check: add it to that service's environment");
                    }
                }
            });
        }
        return problems;
    }

    /** `--scale` needs services without fixed names; sinks publish no host port (replicas would collide). */
    static List<String> scaling(ComposeFile file) {
        List<String> problems = new ArrayList<>();
        for (ComposeFile.Service s : file.services().values()) {
            if (s.containerName() != null) {
                problems.add("service " + s.name() + " has a container_name, so it cannot be scaled");
            }
            if (s.module() != null && s.module().startsWith("sink-") && !s.ports().isEmpty()) {
                problems.add("service " + s.name() + " publishes host ports " + s.ports() + ": `--scale " + s.name() + "=3` would collide");
            }
        }
        return problems;
    }
}
