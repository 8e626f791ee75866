package org.elasticsearch.plugins;

import org.elasticsearch.Build;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.spi.SPIClassIterator;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link PluginsService} whose plugins are classes already on the classpath, instantiated in
 * this class loader (no plugin directories, no module layers). Used by the dev-stack's in-JVM
 * Elasticsearch node. It lives in this package because {@code LoadedPlugin} and the
 * {@code PluginsLoader} constructor are package-private.
 */
public class ClasspathPluginsService extends PluginsService {

    private final List<LoadedPlugin> classpathPlugins;

    public ClasspathPluginsService(Environment environment, Collection<Class<? extends Plugin>> pluginClasses) {
        super(environment.settings(), environment.configDir(), new PluginsLoader(Set.of(), Set.of(), Map.of()));
        Settings settings = environment.settings();
        List<LoadedPlugin> loaded = new ArrayList<>();
        for (Class<? extends Plugin> pluginClass : pluginClasses) {
            Plugin plugin = loadPlugin(pluginClass, settings, environment.configDir());
            PluginDescriptor descriptor = new PluginDescriptor(
                pluginClass.getSimpleName(), "classpath plugin", "NA", Build.current().version(),
                Integer.toString(Runtime.version().feature()), pluginClass.getName(), null, List.of(),
                false, false, false, false, PluginDescriptor.DeploymentTarget.ALL);
            loaded.add(new LoadedPlugin(descriptor, plugin, pluginClass.getClassLoader()));
        }
        loadExtensions(loaded);
        this.classpathPlugins = List.copyOf(loaded);
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return classpathPlugins;
    }

    @Override
    public PluginsAndModules info() {
        return new PluginsAndModules(
            classpathPlugins.stream().map(LoadedPlugin::descriptor).map(PluginRuntimeInfo::new).toList(), List.of());
    }

    /**
     * All plugins share one class loader, so the stock implementation (one SPI scan per plugin)
     * would instantiate every service provider once per plugin: the server's own
     * FeatureSpecifications would be registered twice. Scan once and create each provider once,
     * passing the plugin instance to providers whose constructor asks for it.
     */
    @Override
    public <T> List<? extends T> loadServiceProviders(Class<T> service) {
        Map<Class<?>, T> providers = new LinkedHashMap<>();
        SPIClassIterator<T> classes = SPIClassIterator.get(service, ClasspathPluginsService.class.getClassLoader());
        while (classes.hasNext()) {
            Class<? extends T> providerClass = classes.next();
            if (!providers.containsKey(providerClass)) {
                T provider = instantiate(providerClass);
                if (provider != null) {
                    providers.put(providerClass, provider);
                }
            }
        }
        return List.copyOf(providers.values());
    }

    private <T> T instantiate(Class<? extends T> providerClass) {
        try {
            for (Constructor<?> constructor : providerClass.getConstructors()) {
                if (constructor.getParameterCount() == 0) {
                    return providerClass.cast(constructor.newInstance());
                }
                if (constructor.getParameterCount() == 1) {
                    for (LoadedPlugin plugin : classpathPlugins) {
                        if (constructor.getParameterTypes()[0].isInstance(plugin.instance())) {
                            return providerClass.cast(constructor.newInstance(plugin.instance()));
                        }
                    }
                }
            }
            return null; // a provider for a plugin that is not loaded
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create service provider " + providerClass.getName(), e);
        }
    }
}
