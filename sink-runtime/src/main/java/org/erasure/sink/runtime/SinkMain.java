package org.erasure.sink.runtime;

import java.util.List;
import java.util.ServiceLoader;
import org.erasure.sink.runtime.spi.StoreModule;

/**
 * The main class of every sink jar: {@code java -jar sink-<store>.jar [--config FILE]}. A sink module
 * registers its {@link StoreModule} in {@code META-INF/services/org.erasure.sink.runtime.spi.StoreModule};
 * exactly one must be on the class path, so a jar is one sink and a sink needs no main of its own.
 */
public final class SinkMain {
    private SinkMain() {}

    public static void main(String[] args) {
        StoreModule module;
        try {
            module = registered(Thread.currentThread().getContextClassLoader());
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        SinkApplication.main(args, module);
    }

    /** The one {@link StoreModule} registered with {@link ServiceLoader} in {@code loader}; none or several is an error naming them. */
    static StoreModule registered(ClassLoader loader) {
        List<StoreModule> found = ServiceLoader.load(StoreModule.class, loader).stream().map(ServiceLoader.Provider::get).toList();
        if (found.size() != 1) {
            throw new IllegalStateException((found.isEmpty() ? "no store module" : found.size() + " store modules "
                    + found.stream().map(m -> m.getClass().getName()).toList()) + " registered in META-INF/services/"
                    + StoreModule.class.getName() + " on the class path; a sink jar registers exactly one");
        }
        return found.getFirst();
    }
}
