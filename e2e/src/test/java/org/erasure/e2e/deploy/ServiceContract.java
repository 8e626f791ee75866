package org.erasure.e2e.deploy;

import com.typesafe.config.ConfigFactory;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.erasure.config.EnvOverrides;
import org.erasure.config.ServiceConfig;
import org.erasure.e2e.SinkKind;
import org.erasure.events.RequestLane;
import org.erasure.events.Topics;
import org.erasure.ingest.config.IngestSettings;
import org.erasure.sink.runtime.SinkConfig;
import org.erasure.sink.runtime.SinkSettings;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.verifier.config.VerifierConfig;
import picocli.CommandLine;

/**
 * What one service image reads from its environment and which topics it needs, derived from that service's
 * own code and configuration (reference.conf and the one environment rule, {@link EnvOverrides}, over
 * each service's {@link org.erasure.config.ConfigScope}), never from a list kept here: ingest (every
 * scalar or list key under {@code ingest}), the verifier (under {@code verifier}), a sink (under {@code sink}
 * and the store's section), the tools image ({@code ${env:...}} defaults of {@code stack-tool}'s options). Every Java image
 * also reads {@code JAVA_TOOL_OPTIONS} (the JVM does).
 */
sealed interface ServiceContract {

    /** Read by the JVM itself in every image. */
    String JVM_OPTIONS = "JAVA_TOOL_OPTIONS";

    Set<String> acceptedEnvironment();

    /** The topics the service needs, with the partition count it insists on (0: any), given its environment. */
    List<TopicNeed> topics(Map<String, String> environment);

    record TopicNeed(String topic, int partitions, String why) {}

    static Optional<ServiceContract> of(String module) {
        if (module == null) {
            return Optional.empty();
        }
        if (module.equals("ingest")) {
            return Optional.of(new Ingest());
        }
        if (module.equals("verifier")) {
            return Optional.of(new Verifier());
        }
        if (module.equals("tools")) {
            return Optional.of(new Tools());
        }
        return Arrays.stream(SinkKind.values()).filter(k -> ("sink-" + k.id()).equals(module))
                .findFirst().map(k -> new Sink(k.newModule()));
    }

    record Ingest() implements ServiceContract {
        @Override
        public Set<String> acceptedEnvironment() {
            Set<String> names = new TreeSet<>(Set.of(JVM_OPTIONS));
            names.addAll(EnvOverrides.names(ServiceConfig.reference(), IngestSettings.SCOPE));
            return names;
        }

        @Override
        public List<TopicNeed> topics(Map<String, String> environment) {
            IngestSettings settings = IngestSettings.load(null, environment);
            Topics t = settings.topics();
            List<TopicNeed> needs = new ArrayList<>(List.of(new TopicNeed(t.requests(), 0, "ingest publishes the interactive lane"),
                    new TopicNeed(t.requestsBulk(), 0, "ingest publishes the bulk lane"),
                    new TopicNeed(t.completions(), 0, "ingest's open-request dedupe follows the completions")));
            if (settings.claimsEnabled()) {
                needs.add(new TopicNeed(settings.claimsTopic(), 1, "ingest replicas share Idempotency-Keys and turns on one partition"));
            }
            return needs;
        }
    }

    record Verifier() implements ServiceContract {
        @Override
        public Set<String> acceptedEnvironment() {
            Set<String> names = new TreeSet<>(Set.of(JVM_OPTIONS));
            names.addAll(EnvOverrides.names(ServiceConfig.reference(), VerifierConfig.SCOPE));
            return names;
        }

        @Override
        public List<TopicNeed> topics(Map<String, String> environment) {
            VerifierConfig c = config(environment);
            Topics t = c.topics();
            int p = c.partitions();
            return List.of(new TopicNeed(t.requests(), 0, "the verifier joins the interactive lane"),
                    new TopicNeed(t.requestsBulk(), 0, "the verifier joins the bulk lane"),
                    new TopicNeed(t.phaseCompletions(), p, "the verifier refuses to start unless it has verifier.partitions"),
                    new TopicNeed(t.phaseCompletionsBulk(), p, "the verifier refuses to start unless it has verifier.partitions"),
                    new TopicNeed(t.completions(), p, "the verifier refuses to start unless it has verifier.partitions"),
                    new TopicNeed(c.lineageTopic(), p, "the verifier refuses to start unless it has verifier.partitions"),
                    new TopicNeed(t.phaseCompletionsDlq(), 0, "the verifier's dead letters"),
                    new TopicNeed(t.phaseCompletionsBulkDlq(), 0, "the verifier's dead letters of bulk-lane reports"));
        }

        /** As the verifier loads it, with {@code environment} in place of the process environment. */
        static VerifierConfig config(Map<String, String> environment) {
            return VerifierConfig.from(ConfigFactory.empty(), environment);
        }
    }

    record Sink(StoreModule module) implements ServiceContract {
        @Override
        public Set<String> acceptedEnvironment() {
            Set<String> names = new TreeSet<>(Set.of(JVM_OPTIONS));
            names.addAll(EnvOverrides.names(ServiceConfig.reference(), SinkConfig.scope(module.configSection())));
            return names;
        }

        @Override
        public List<TopicNeed> topics(Map<String, String> environment) {
            SinkSettings s = SinkSettings.from(SinkConfig.load(null, module.configSection(), environment), module.phase(),
                    module.defaultSinkName());
            List<TopicNeed> needs = new ArrayList<>();
            for (RequestLane lane : s.bulkLane() ? RequestLane.values() : new RequestLane[] {RequestLane.INTERACTIVE}) {
                needs.add(new TopicNeed(lane.topic(s.topics()), 0, s.name() + " consumes the " + lane.tag() + " lane"));
                needs.add(new TopicNeed(lane.deadLetterTopic(s.topics()), 0, s.name() + "'s dead letters of the " + lane.tag() + " lane"));
                needs.add(new TopicNeed(lane.phaseCompletionsTopic(s.topics()), 0, s.name() + " reports its phases of the " + lane.tag() + " lane"));
            }
            return needs;
        }
    }

    /** {@code stack-tool} ({@code init}, {@code seed}): secrets only, as {@code ${env:NAME}} option defaults. */
    record Tools() implements ServiceContract {
        private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+)}");

        @Override
        public Set<String> acceptedEnvironment() {
            Set<String> names = new TreeSet<>(Set.of(JVM_OPTIONS));
            CommandLine tool = new CommandLine(newTool());
            for (CommandLine sub : tool.getSubcommands().values()) {
                collect(sub.getCommand().getClass(), names);
                sub.getMixins().values().forEach(mixin -> collect(mixin.getClass(), names));
            }
            return names;
        }

        @Override
        public List<TopicNeed> topics(Map<String, String> environment) {
            return List.of();
        }

        private static void collect(Class<?> type, Set<String> names) {
            for (Field f : type.getDeclaredFields()) {
                CommandLine.Option option = f.getAnnotation(CommandLine.Option.class);
                if (option != null) {
                    Matcher m = ENV_DEFAULT.matcher(option.defaultValue());
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                }
            }
        }

        private static Object newTool() {
            try {
                return Class.forName("org.erasure.devstack.external.StackTool").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("stack-tool is not on the class path", e);
            }
        }
    }
}
