package org.erasure.cli.support;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.erasure.cli.ErasureCtl;

/** Runs erasurectl in-process with a given environment, capturing stdout and stderr. */
public final class Ctl {

    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private final Map<String, String> env;

    public Ctl(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public Ctl with(String key, String value) {
        Map<String, String> m = new HashMap<>(env);
        m.put(key, value);
        return new Ctl(m);
    }

    public Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ErasureCtl.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC());
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
