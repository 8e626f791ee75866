package org.elasticsearch.node;

import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

import java.util.Collection;
import java.util.List;

/**
 * An Elasticsearch node whose plugins come from the classpath. It lives in this package because
 * the hook for that, {@link NodeServiceProvider#newPluginService}, is package-private.
 */
public class EmbeddedNode extends Node {

    public EmbeddedNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(environment, null, new ClasspathServices(List.copyOf(plugins)), true));
    }

    /**
     * The stock node registers a process-wide, set-once holder for node and cluster ids (used only
     * by log patterns); skipping it lets a JVM start a node again after closing one.
     */
    @Override
    protected void configureNodeAndClusterIdStateListener(ClusterService clusterService) {}

    private static final class ClasspathServices extends NodeServiceProvider {
        private final List<Class<? extends Plugin>> plugins;

        ClasspathServices(List<Class<? extends Plugin>> plugins) {
            this.plugins = plugins;
        }

        @Override
        PluginsService newPluginService(Environment environment, PluginsLoader ignored) {
            return new ClasspathPluginsService(environment, plugins);
        }
    }
}
