package org.erasure.devstack.junit;

import java.util.Set;
import org.erasure.devstack.DevStack;
import org.erasure.devstack.ManagedServer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests the real servers they ask for as parameters ({@code KafkaBroker kafka, RedisServer redis}),
 * starting each lazily, once per JVM: a Redis test never pays for Elasticsearch. Also resolves
 * {@link TestNames} (unique names per test) and the {@link DevStack} itself. The stack stops when
 * the test run ends.
 */
public final class DevStackExtension implements ParameterResolver {

    private static final Set<Class<?>> SERVER_TYPES = Set.copyOf(ServerTypes.ALL.keySet());

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == DevStack.class || type == TestNames.class || SERVER_TYPES.contains(type);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == TestNames.class) {
            return TestNames.forTest(context.getDisplayName());
        }
        DevStack stack = stack(context);
        if (type == DevStack.class) {
            return stack;
        }
        ManagedServer server = ServerTypes.ALL.get(type).apply(stack);
        if (server == null) {
            throw new ParameterResolutionException("No dev-stack server for " + type.getName());
        }
        return server;
    }

    /** One stack per JVM, closed by JUnit when the whole run ends (and by a shutdown hook otherwise). */
    private static DevStack stack(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .computeIfAbsent(DevStack.class, key -> DevStack.shared(), DevStack.class);
    }
}
