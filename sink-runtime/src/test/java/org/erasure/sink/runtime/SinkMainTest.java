package org.erasure.sink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.erasure.events.Phase;
import org.erasure.sink.runtime.spi.ErasureStore;
import org.erasure.sink.runtime.spi.StoreModule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SinkMain} finds the one module a jar registers; the names a module does not override follow from its phase. */
class SinkMainTest {

    public static final class RedisModule implements StoreModule {
        @Override public Phase phase() { return Phase.REDIS; }
        @Override public ErasureStore create(Config storeConfig, MeterRegistry meters) { throw new UnsupportedOperationException(); }
    }

    public static final class S3Module implements StoreModule {
        @Override public Phase phase() { return Phase.S3; }
        @Override public ErasureStore create(Config storeConfig, MeterRegistry meters) { throw new UnsupportedOperationException(); }
    }

    @TempDir
    Path dir;

    private ClassLoader registering(Class<?>... modules) throws Exception {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        StringBuilder lines = new StringBuilder("# one provider a line\n");
        for (Class<?> m : modules) {
            lines.append(m.getName()).append('\n');
        }
        Files.writeString(services.resolve(StoreModule.class.getName()), lines);
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    }

    @Test
    void theOneRegisteredModuleIsUsedWithNamesFromItsPhase() throws Exception {
        StoreModule module = SinkMain.registered(registering(RedisModule.class));

        assertThat(module).isInstanceOf(RedisModule.class);
        assertThat(module.configSection()).isEqualTo("redis");
        assertThat(module.defaultSinkName()).isEqualTo("sink-redis");
    }

    @Test
    void noRegisteredModuleIsAnErrorSayingWhereToRegister() throws Exception {
        assertThatThrownBy(() -> SinkMain.registered(registering()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no store module")
                .hasMessageContaining("META-INF/services/org.erasure.sink.runtime.spi.StoreModule");
    }

    @Test
    void twoRegisteredModulesAreAnErrorNamingBoth() throws Exception {
        assertThatThrownBy(() -> SinkMain.registered(registering(RedisModule.class, S3Module.class)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("2 store modules")
                .hasMessageContaining(RedisModule.class.getName())
                .hasMessageContaining(S3Module.class.getName());
    }
}
