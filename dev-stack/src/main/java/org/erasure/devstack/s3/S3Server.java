package org.erasure.devstack.s3;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.erasure.devstack.StoppableServer;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 API server (s3proxy, in this JVM) over an in-memory store with bucket versioning, so erasure
 * can be tested against versions and delete markers. By default versions and listings are kept by
 * {@link IndexedBlobStore} (prefix listings and version deletes independent of the bucket's size;
 * see README); {@link Backend#PLAIN} is s3proxy's own versioning.
 */
public final class S3Server extends StoppableServer {

    public static final String ACCESS_KEY = "devstack-access";
    public static final String SECRET_KEY = "devstack-secret";
    public static final String REGION = "us-east-1";

    /** {@code PLAIN}: s3proxy's store as is; {@code INDEXED}: the same store behind {@link IndexedBlobStore}. */
    public enum Backend { PLAIN, INDEXED }

    private final S3Proxy proxy;
    private final BlobStore store;
    private final Backend backend;

    private S3Server(S3Proxy proxy, BlobStore store, Backend backend) {
        this.proxy = proxy;
        this.store = store;
        this.backend = backend;
    }

    /** The backend the dev-stack uses: s3proxy's in-memory store behind a prefix index (see README). */
    public static S3Server start() {
        return start(Backend.INDEXED);
    }

    public static S3Server start(Backend backend) {
        BlobStore store = switch (backend) {
            case PLAIN -> new TransientNio2BlobStore();
            case INDEXED -> new IndexedBlobStore(new TransientNio2BlobStore());
        };
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .jettyMaxThreads(32)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not start: " + e.getMessage(), e);
        }
        return new S3Server(proxy, store, backend);
    }

    /** The store behind the S3 API (tests compare the index with the store it wraps). */
    BlobStore blobStore() {
        return store;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** An AWS SDK v2 client for this server (path-style, static credentials); the caller closes it. */
    public S3Client newClient() {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .forcePathStyle(true)
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    @Override
    public String name() {
        return "s3";
    }

    /** s3proxy does not report a version over the S3 API; the jar's manifest does. */
    @Override
    public String version() {
        String v = S3Proxy.class.getPackage().getImplementationVersion();
        return "s3proxy " + (v == null ? "4.x" : v) + " (in-memory, versioning" + (backend == Backend.INDEXED ? ", prefix index)" : ")");
    }

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("endpoint", endpoint().toString());
        endpoints.put("accessKey", ACCESS_KEY);
        endpoints.put("secretKey", SECRET_KEY);
        endpoints.put("region", REGION + " (path-style)");
        return endpoints;
    }

    @Override
    protected void stop() throws Exception {
        proxy.stop();
    }
}
