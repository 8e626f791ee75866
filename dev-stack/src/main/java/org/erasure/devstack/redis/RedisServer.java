package org.erasure.devstack.redis;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.erasure.devstack.FreePort;
import org.erasure.devstack.StoppableServer;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/** A real Redis server (the binary bundled by embedded-redis) on a free local port. */
public final class RedisServer extends StoppableServer {

    private final redis.embedded.RedisServer server;
    private final int port;
    private final String version;

    private RedisServer(redis.embedded.RedisServer server, int port) {
        this.server = server;
        this.port = port;
        this.version = queryVersion();
    }

    public static RedisServer start() {
        int port = FreePort.find();
        try {
            redis.embedded.RedisServer server = redis.embedded.RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .build();
            startRetryingTextFileBusy(server);
            return new RedisServer(server, port);
        } catch (IOException e) {
            throw new IllegalStateException("Embedded Redis did not start: " + e.getMessage(), e);
        }
    }

    /**
     * The binary is extracted just before it runs. A server started on another thread at the same
     * moment (the stack starts them in parallel) forks with the binary's write descriptor still open
     * in the child until it execs, and exec then fails with ETXTBSY ("Text file busy"). The
     * descriptor is gone within milliseconds: try again.
     */
    private static void startRetryingTextFileBusy(redis.embedded.RedisServer server) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                server.start();
                return;
            } catch (IOException e) {
                if (attempt >= 10 || !textFileBusy(e)) {
                    throw e;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(java.time.Duration.ofMillis(100L * attempt).toNanos());
            }
        }
    }

    private static boolean textFileBusy(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("Text file busy")) {
                return true;
            }
        }
        return false;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** A Redisson client with plain string values; the caller shuts it down. */
    public RedissonClient newRedissonClient() {
        Config config = new Config();
        config.setCodec(StringCodec.INSTANCE);
        config.useSingleServer().setAddress(uri()).setConnectionMinimumIdleSize(1).setConnectionPoolSize(8);
        return Redisson.create(config);
    }

    private String queryVersion() {
        RedissonClient client = newRedissonClient();
        try {
            Map<String, String> info = client.getRedisNodes(org.redisson.api.redisnode.RedisNodes.SINGLE)
                    .getInstance().info(org.redisson.api.redisnode.RedisNode.InfoSection.SERVER);
            return info.getOrDefault("redis_version", "unknown");
        } finally {
            client.shutdown();
        }
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public String version() {
        return version;
    }

    /** The redis-server child of this JVM (one per stack; Redis rewrites its argv, so match the binary). */
    @Override
    public List<ProcessHandle> processes() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().command().orElse("").contains("redis-server"))
                .toList();
    }

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("uri", uri());
        return endpoints;
    }

    @Override
    protected void stop() throws IOException {
        server.stop();
    }
}
