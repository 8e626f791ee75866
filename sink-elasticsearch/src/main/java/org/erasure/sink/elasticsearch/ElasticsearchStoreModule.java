package org.erasure.sink.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch.cluster.GetClusterSettingsResponse;
import co.elastic.clients.json.JsonData;
import co.elastic.clients.elasticsearch.indices.GetFieldMappingResponse;
import co.elastic.clients.elasticsearch.indices.get_field_mapping.TypeFieldMappings;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.util.Timeout;
import org.erasure.events.Phase;
import org.erasure.sink.elasticsearch.ElasticsearchErasureStore.ClosedPolicy;
import org.erasure.sink.elasticsearch.EsMapping.Target;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.StoreUnavailableException;

/** Builds the Elasticsearch store from {@code elasticsearch { }}: client, mapping validated against the cluster. */
public final class ElasticsearchStoreModule implements StoreModule {
    /** Field types a {@code terms} query matches exactly (a text field would silently miss). */
    static final Set<Property.Kind> EXACT = Set.of(Property.Kind.Keyword, Property.Kind.ConstantKeyword, Property.Kind.Wildcard);
    static final String ALLOW_EXPENSIVE_QUERIES = "search.allow_expensive_queries";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ElasticsearchStoreModule.class);

    @Override
    public Phase phase() {
        return Phase.ELASTICSEARCH;
    }

    @Override
    public ErasureStore create(Config config, MeterRegistry meters) {
        EsMapping mapping = EsMapping.parse(config);
        String mask = config.getString("mask-value");
        if (mask.isBlank()) {
            throw new IllegalArgumentException("elasticsearch.mask-value must not be blank");
        }
        ClosedPolicy closed;
        try {
            closed = ClosedPolicy.valueOf(config.getString("closed-index").strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("elasticsearch.closed-index must be fail or skip");
        }
        ElasticsearchErasureStore.Settings settings = new ElasticsearchErasureStore.Settings(mask,
                config.getBoolean("contributor-id-as-worker-id"), positive(config, "page-size", 10_000), positive(config, "bulk-size", 10_000),
                positive(config, "bulk-concurrency", 16), config.getInt("conflict-retries"), config.getDuration("pit-keep-alive"), config.getBoolean("refresh"), closed,
                nonNegative(config, "non-normalised-limit"), config.getDuration("metadata-cache"));
        if (settings.metadataCache().isNegative()) {
            throw new IllegalArgumentException("elasticsearch.metadata-cache must be >= 0");
        }
        if (settings.conflictRetries() < 0) {
            throw new IllegalArgumentException("elasticsearch.conflict-retries must be >= 0");
        }
        ElasticsearchClient client = client(config);
        try {
            client.info();
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
            // Any I/O failure here (refused, reset, closed by a proxy mid-answer) or a 5xx of a starting node is an
            // outage: the runtime waits for the store instead of exiting into a supervisor's restart loop.
            if (e instanceof IOException || e instanceof ElasticsearchException ee && (ee.status() >= 500 || ee.status() == 429)) {
                throw new StoreUnavailableException("Elasticsearch at " + config.getString("hosts") + " is not reachable: "
                        + e.getClass().getSimpleName(), e);
            }
            throw new IllegalStateException("Elasticsearch at " + config.getString("hosts") + " refused the first call: " + e.getClass().getSimpleName(), e);
        }
        try {
            validateFieldTypes(client, mapping);
            requireRegexpQueries(client);
        } catch (RuntimeException e) {
            closeQuietly(client);
            throw e;
        }
        return new ElasticsearchErasureStore(client, mapping, settings, meters);
    }

    private static int nonNegative(Config c, String key) {
        int v = c.getInt(key);
        if (v < 0) {
            throw new IllegalArgumentException("elasticsearch." + key + " must be >= 0");
        }
        return v;
    }

    private static int positive(Config c, String key, int max) {
        int v = c.getInt(key);
        if (v < 1 || v > max) {
            throw new IllegalArgumentException("elasticsearch." + key + " must be in 1.." + max);
        }
        return v;
    }

    /** Every configured field that is mapped in an existing index must be keyword-like: terms on text would miss. */
    static void validateFieldTypes(ElasticsearchClient client, EsMapping mapping) {
        for (Target t : mapping.targets()) {
            GetFieldMappingResponse r;
            try {
                r = client.indices().getFieldMapping(g -> g.index(t.index()).fields(t.allFields()).ignoreUnavailable(true).allowNoIndices(true));
            } catch (ElasticsearchException e) {
                if (e.status() == 404) {
                    continue; // no index yet: nothing to validate (checked again at the next start)
                }
                if (e.status() >= 500 || e.status() == 429) {
                    throw new StoreUnavailableException("cannot read the field mappings of " + t.index() + " (HTTP " + e.status() + ")", e);
                }
                throw new IllegalStateException("cannot read the field mappings of " + t.index() + " (HTTP " + e.status() + ")");
            } catch (IOException e) {
                throw new StoreUnavailableException("cannot read the field mappings of " + t.index() + ": " + e.getClass().getSimpleName(), e);
            }
            for (Map.Entry<String, TypeFieldMappings> index : r.fieldMappings().entrySet()) {
                index.getValue().mappings().forEach((field, fm) -> fm.mapping().values().forEach(p -> {
                    if (!EXACT.contains(p._kind())) {
                        throw new IllegalArgumentException("elasticsearch.targets: field " + field + " in index " + index.getKey()
                                + " is mapped as " + p._kind().jsonValue() + "; exact matching needs keyword (or constant_keyword, wildcard)");
                    }
                }));
            }
        }
    }

    /**
     * Emails are matched with {@code regexp} queries (any case, surrounding whitespace; see {@link EmailPatterns}),
     * which a cluster refuses when {@code search.allow_expensive_queries} is false: say so at start rather than
     * fail every batch. A user without the {@code monitor} privilege cannot read the setting: the check is
     * skipped (a refused regexp then fails the batch with {@code ES_...} codes naming the error type).
     */
    static void requireRegexpQueries(ElasticsearchClient client) {
        GetClusterSettingsResponse r;
        try {
            r = client.cluster().getSettings(g -> g.includeDefaults(true).flatSettings(true));
        } catch (ElasticsearchException e) {
            if (e.status() >= 500 || e.status() == 429) {
                throw new StoreUnavailableException("cannot read the cluster settings (HTTP " + e.status() + ")", e);
            }
            log.warn("cannot read the cluster settings (HTTP {}): not checking search.allow_expensive_queries", e.status());
            return;
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read the cluster settings: " + e.getClass().getSimpleName(), e);
        }
        for (Map<String, JsonData> level : List.of(r.transient_(), r.persistent(), r.defaults())) {
            JsonData v = level.get(ALLOW_EXPENSIVE_QUERIES);
            if (v != null) {
                if (!Boolean.parseBoolean(v.toJson().toString().replace("\"", "").strip())) {
                    throw new IllegalStateException("Elasticsearch has " + ALLOW_EXPENSIVE_QUERIES + " = false; the sink matches emails"
                            + " in any letter case and with surrounding whitespace using regexp queries, which that setting forbids");
                }
                return;
            }
        }
    }

    static ElasticsearchClient client(Config config) {
        List<URI> hosts = new ArrayList<>();
        for (String h : config.getString("hosts").split(",")) {
            if (!h.isBlank()) {
                hosts.add(URI.create(h.strip()));
            }
        }
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("elasticsearch.hosts is empty");
        }
        List<Header> headers = new ArrayList<>();
        String apiKey = config.getString("api-key");
        String user = config.getString("username");
        if (!apiKey.isBlank()) {
            headers.add(new BasicHeader("Authorization", "ApiKey " + apiKey.strip()));
        } else if (!user.isBlank()) {
            String basic = Base64.getEncoder().encodeToString((user + ":" + config.getString("password")).getBytes(StandardCharsets.UTF_8));
            headers.add(new BasicHeader("Authorization", "Basic " + basic));
        }
        long connect = config.getDuration("connect-timeout").toMillis();
        long response = config.getDuration("response-timeout").toMillis();
        Rest5Client rest = Rest5Client.builder(hosts)
                .setDefaultHeaders(headers.toArray(Header[]::new))
                .setConnectionConfigCallback(c -> c.setConnectTimeout(Timeout.ofMilliseconds(connect)).setSocketTimeout(Timeout.ofMilliseconds(response)))
                .setRequestConfigCallback(c -> c.setResponseTimeout(Timeout.ofMilliseconds(response)))
                // httpclient5 5.6 advertises zstd when zstd-jni is on the class path (Kafka brings it); the
                // in-JVM dev node then fails to encode (no direct buffers) and never answers. Plain responses.
                .setHttpClientConfigCallback(b -> b.disableContentCompression())
                .build();
        // Exact numbers: a document's untouched values are written back as they were read.
        ObjectMapper json = new ObjectMapper()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
        return new ElasticsearchClient(new Rest5ClientTransport(rest, new JacksonJsonpMapper(json)));
    }

    private static void closeQuietly(ElasticsearchClient client) {
        try {
            client.close();
        } catch (Exception ignored) {
            // nothing to do
        }
    }
}
