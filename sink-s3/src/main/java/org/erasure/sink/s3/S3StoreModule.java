package org.erasure.sink.s3;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;
import org.erasure.sink.runtime.spi.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Builds the S3 store from {@code s3 { }}: SDK v2 client (Apache 5 HTTP), targets validated, buckets checked. */
public final class S3StoreModule implements StoreModule {
    private static final Logger log = LoggerFactory.getLogger(S3StoreModule.class);

    @Override
    public Phase phase() {
        return Phase.S3;
    }

    @Override
    public ErasureStore create(Config config, MeterRegistry meters) {
        List<S3Target> targets = S3Target.parse(config);
        int parallelism = config.getInt("lister-parallelism");
        int chunk = config.getInt("delete-chunk-size");
        if (chunk < 1 || chunk > S3ErasureStore.MAX_CHUNK) {
            throw new IllegalArgumentException("s3.delete-chunk-size must be 1.." + S3ErasureStore.MAX_CHUNK + " (S3 accepts at most 1,000 keys per DeleteObjects)");
        }
        if (parallelism < 1 || parallelism > 256) {
            throw new IllegalArgumentException("s3.lister-parallelism must be 1..256");
        }
        int deleteParallelism = config.getInt("delete-parallelism");
        if (deleteParallelism < 1 || deleteParallelism > 64) {
            throw new IllegalArgumentException("s3.delete-parallelism must be 1..64");
        }
        ListingConfig listing = ListingConfig.from(config);
        RestorationConfig restoration = RestorationConfig.from(config, targets);
        S3Client client = client(config, parallelism);
        try {
            checkBuckets(client, targets, config);
            return new S3ErasureStore(client, targets, parallelism, chunk, deleteParallelism, listing, restoration,
                    config.getDuration("probe-timeout"), meters);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    static S3Client client(Config config, int parallelism) {
        Apache5HttpClient.Builder http = Apache5HttpClient.builder()
                .connectionTimeout(config.getDuration("connection-timeout"))
                .connectionAcquisitionTimeout(config.getDuration("connection-timeout"))
                .socketTimeout(config.getDuration("socket-timeout"))
                .maxConnections(Math.max(config.getInt("max-connections"), parallelism + config.getInt("delete-parallelism") + 2));
        int attempts = config.getInt("sdk-max-attempts");
        if (attempts < 1) {
            throw new IllegalArgumentException("s3.sdk-max-attempts must be >= 1");
        }
        Duration apiCallTimeout = config.getDuration("api-call-timeout");
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(http)
                .forcePathStyle(config.getBoolean("path-style"))
                .credentialsProvider(credentials(config))
                // Only where the API requires it (DeleteObjects): S3-compatible stores differ in flexible checksum support.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.apiCallTimeout(apiCallTimeout).retryStrategy(r -> r.maxAttempts(attempts)));
        String region = config.getString("region");
        if (!region.isBlank()) {
            b.region(Region.of(region.strip()));
        }
        String endpoint = config.getString("endpoint");
        if (!endpoint.isBlank()) {
            URI uri;
            try {
                uri = URI.create(endpoint.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("s3.endpoint is not a URI");
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("s3.endpoint must be an http(s) URL, e.g. http://127.0.0.1:9000");
            }
            b.endpointOverride(uri);
        }
        return b.build();
    }

    private static AwsCredentialsProvider credentials(Config config) {
        String key = config.getString("access-key-id");
        String secret = config.getString("secret-access-key");
        String token = config.getString("session-token");
        if (key.isEmpty() && secret.isEmpty()) {
            return DefaultCredentialsProvider.builder().build();
        }
        if (key.isEmpty() || secret.isEmpty()) {
            throw new IllegalArgumentException("s3.access-key-id and s3.secret-access-key must be set together (or neither: default credentials chain)");
        }
        return StaticCredentialsProvider.create(token.isEmpty()
                ? AwsBasicCredentials.create(key, secret)
                : AwsSessionCredentials.create(key, secret, token));
    }

    /** Every bucket must exist and answer HeadBucket; logs each bucket's versioning status. */
    private static void checkBuckets(S3Client s3, List<S3Target> targets, Config config) {
        String where = config.getString("endpoint").isBlank() ? "AWS S3" : "S3 at " + redact(config.getString("endpoint"));
        for (String bucket : targets.stream().map(S3Target::bucket).distinct().toList()) {
            try {
                s3.headBucket(r -> r.bucket(bucket));
            } catch (AwsServiceException e) {
                if (e.statusCode() == 404) {
                    throw new IllegalArgumentException("s3.targets: bucket '" + bucket + "' does not exist (" + where + ")");
                }
                if (e.statusCode() == 403 || e.statusCode() == 401) {
                    throw new IllegalArgumentException("s3.targets: access to bucket '" + bucket + "' denied (HTTP " + e.statusCode()
                            + "): check credentials and region (" + where + ")");
                }
                if (e.statusCode() >= 500 || e.statusCode() == 429) { // starting, overloaded: an outage the runtime waits out
                    throw new StoreUnavailableException(where + " answered HeadBucket " + bucket + " with HTTP " + e.statusCode());
                }
                throw new IllegalStateException(where + " answered HeadBucket " + bucket + " with HTTP " + e.statusCode());
            } catch (SdkException e) {
                throw new StoreUnavailableException(where + " is not reachable: " + e.getClass().getSimpleName());
            }
            try {
                var v = s3.getBucketVersioning(r -> r.bucket(bucket));
                log.info("s3 bucket {}: versioning {}", bucket, v.statusAsString() == null ? "never enabled" : v.statusAsString());
            } catch (SdkException e) {
                log.info("s3 bucket {}: versioning status unknown ({})", bucket, e.getClass().getSimpleName());
            }
        }
    }

    private static String redact(String endpoint) {
        try {
            URI u = URI.create(endpoint.strip());
            return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
        } catch (IllegalArgumentException e) {
            return "(endpoint)";
        }
    }
}
