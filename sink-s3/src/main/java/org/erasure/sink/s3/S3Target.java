package org.erasure.sink.s3;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One bucket and one prefix template, e.g. {@code kepler-contributor-files} and
 * {@code contributors/{contributorId}/}: the target {@code kepler-contributor-files/contributors/{contributorId}/}.
 *
 * <p>Why a prefix cannot widen to another contributor's objects: the template is
 * {@code head + "{contributorId}" + "/" + rest} and every accepted id is free of {@code '/'} (see
 * {@link #unsafeReason}). For the same template, {@code head + x + "/"} is a prefix of
 * {@code head + y + "/"} only if {@code x.equals(y)} (the first '/' after the head ends the id). Across
 * templates of one bucket, a prefix of one can start another's keys only if one head is a prefix
 * of the other, which {@link #parse} rejects unless the heads are equal.
 */
record S3Target(String bucket, String template, String head, String tail) {

    static final String PLACEHOLDER = "{contributorId}";
    /** S3 keys are at most 1024 bytes of UTF-8. */
    static final int MAX_KEY_BYTES = 1024;

    /** The target name used in reports, e.g. {@code kepler-contributor-files/contributors/{contributorId}/}. */
    String name() {
        return bucket + "/" + template;
    }

    /** The literal key prefix for a contributor id that passed {@link #unsafeReason}. */
    String prefixFor(String contributorId) {
        return head + contributorId + tail;
    }

    static List<S3Target> parse(Config s3) {
        List<? extends Config> list;
        try {
            list = s3.getConfigList("targets");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("s3.targets: " + e.getMessage(), e);
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("s3.targets: at least one bucket must be mapped");
        }
        List<S3Target> targets = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "s3.targets[" + i + "]";
            Config c = list.get(i);
            String bucket;
            List<String> prefixes;
            try {
                bucket = c.getString("bucket");
                prefixes = c.getStringList("prefixes");
            } catch (ConfigException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            if (!bucket.matches("[A-Za-z0-9][A-Za-z0-9._\\-]{1,254}")) {
                throw new IllegalArgumentException(where + ": bucket '" + bucket + "' is not a valid bucket name");
            }
            if (prefixes.isEmpty()) {
                throw new IllegalArgumentException(where + " (" + bucket + "): prefixes must name at least one template");
            }
            for (String template : prefixes) {
                targets.add(template(bucket, template, where));
            }
        }
        for (int a = 0; a < targets.size(); a++) {
            for (int b = 0; b < targets.size(); b++) {
                S3Target x = targets.get(a);
                S3Target y = targets.get(b);
                if (a == b || !x.bucket.equals(y.bucket)) {
                    continue;
                }
                if (x.template.equals(y.template)) {
                    throw new IllegalArgumentException("s3.targets: bucket " + x.bucket + " lists prefix '" + x.template + "' twice");
                }
                if (!x.head.equals(y.head) && y.head.startsWith(x.head)) {
                    throw new IllegalArgumentException("s3.targets: in bucket " + x.bucket + ", prefix '" + x.template
                            + "' could reach into '" + y.template + "' (the text before " + PLACEHOLDER
                            + " of one is a prefix of the other's: an id could widen it to other contributors' objects)");
                }
            }
        }
        return targets;
    }

    private static S3Target template(String bucket, String template, String where) {
        String w = where + " (" + bucket + "): prefix '" + template + "'";
        int at = template.indexOf(PLACEHOLDER);
        if (at < 0 || template.indexOf(PLACEHOLDER, at + 1) >= 0) {
            throw new IllegalArgumentException(w + " must contain " + PLACEHOLDER + " exactly once");
        }
        String head = template.substring(0, at);
        String tail = template.substring(at + PLACEHOLDER.length());
        if (!tail.startsWith("/")) {
            throw new IllegalArgumentException(w + ": " + PLACEHOLDER + " must be followed by '/' (else id 4 would also match 42...)");
        }
        if (!template.endsWith("/")) {
            throw new IllegalArgumentException(w + " must end with '/'");
        }
        if (head.contains("{") || head.contains("}") || tail.contains("{") || tail.contains("}")) {
            throw new IllegalArgumentException(w + ": only " + PLACEHOLDER + " is supported as a placeholder");
        }
        if (head.startsWith("/")) {
            throw new IllegalArgumentException(w + " must not start with '/' (S3 keys have no leading slash)");
        }
        return new S3Target(bucket, template, head, tail);
    }

    /**
     * Why an id cannot be used to build a prefix safely, or empty when it can. PII-free: never
     * quotes the id. Rejected: {@code '/'} (it would change the prefix structure, e.g.
     * {@code 42/../43}), {@code "."} and {@code ".."} (path-normalising gateways and HTTP stacks
     * collapse them), control characters and U+FFFE/U+FFFF (not representable in the XML of
     * DeleteObjects), ill-formed UTF-16 (encoding would replace it with '?', another id), and ids
     * that make a prefix longer than an S3 key can be. Everything else is literal data: quotes,
     * {@code % _ * ? [ ] \ ; '}, spaces, unicode.
     */
    static Optional<String> unsafeReason(String id, List<S3Target> targets) {
        if (id.isEmpty()) {
            return Optional.of("contributorId is empty");
        }
        if (id.indexOf('/') >= 0) {
            return Optional.of("contributorId contains '/', which would change the key prefix structure");
        }
        if (id.equals(".") || id.equals("..")) {
            return Optional.of("contributorId is a relative path segment ('.' or '..')");
        }
        for (int i = 0; i < id.length(); i++) {
            char ch = id.charAt(i);
            if (Character.isISOControl(ch) || ch == '\uFFFE' || ch == '\uFFFF') {
                return Optional.of("contributorId contains a control character");
            }
        }
        if (!StandardCharsets.UTF_8.newEncoder().canEncode(id)) {
            return Optional.of("contributorId is not well-formed Unicode");
        }
        for (S3Target t : targets) {
            if (t.prefixFor(id).getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
                return Optional.of("contributorId makes a key prefix longer than " + MAX_KEY_BYTES + " bytes");
            }
        }
        return Optional.empty();
    }
}
