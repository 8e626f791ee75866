package org.erasure.ingest.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Bearer tokens from configuration, stored as SHA-256 hex digests (the plain token is never
 * configured or logged). Tokens are random high-entropy secrets, so an unsalted fast hash is enough:
 * the configuration leaking does not reveal them.
 */
public final class TokenAuthenticator {

    /** A configured token: who it is (becomes {@code requestedBy}), its digest and roles. */
    public record Client(String name, byte[] sha256, Set<Role> roles) {
        public Client {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a token needs a name");
            }
            if (sha256 == null || sha256.length != 32) {
                throw new IllegalArgumentException("token '" + name + "': sha256 must be 64 hex characters");
            }
            roles = Set.copyOf(roles);
        }

        public static Client of(String name, String sha256Hex, Set<Role> roles) {
            byte[] digest;
            try {
                digest = HexFormat.of().parseHex(sha256Hex.strip().toLowerCase());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("token '" + name + "': sha256 must be 64 hex characters");
            }
            return new Client(name, digest, roles);
        }
    }

    private final List<Client> clients;

    public TokenAuthenticator(List<Client> clients) {
        this.clients = List.copyOf(clients);
    }

    /** The client of an {@code Authorization} header value, if it is a known bearer token. */
    public Optional<Client> authenticate(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = authorizationHeader.substring(7).strip();
        if (token.isEmpty()) {
            return Optional.empty();
        }
        byte[] digest = sha256(token);
        Client match = null;
        for (Client c : clients) {
            // constant time per comparison; every client is compared
            if (MessageDigest.isEqual(c.sha256(), digest)) {
                match = c;
            }
        }
        return Optional.ofNullable(match);
    }

    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For configuration: the hex digest to put in {@code auth.tokens[].sha256}. */
    public static String sha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }
}
