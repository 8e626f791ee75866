package org.erasure.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the services' runnable jars in this checkout (built by {@code mvn package}). */
public final class ProjectLayout {

    private ProjectLayout() {}

    /** {@code <root>/<module>/target/<jar>}; a clear message when it has not been built. */
    public static Path jar(String module, String jar) {
        Path path = root().resolve(module).resolve("target").resolve(jar);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is missing: build it with `mvn -pl " + module + " -am package -DskipTests`");
        }
        return path;
    }

    /** The nearest directory upwards from the working directory that holds the root pom and dev-stack/. */
    public static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("dev-stack"))) {
                return dir;
            }
        }
        throw new IllegalStateException("Not inside the erasure-pipeline checkout: " + Path.of("").toAbsolutePath());
    }
}
