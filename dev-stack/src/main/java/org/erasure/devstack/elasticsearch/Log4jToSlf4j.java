package org.erasure.devstack.elasticsearch;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.elasticsearch.common.logging.LogConfigurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Elasticsearch logs through log4j-core (and needs log4j-core itself, not just the API), while the
 * project logs through SLF4J/Logback. Rather than a bridge jar that would compete with log4j-core
 * as log4j provider, this replaces log4j's appenders with one that forwards each event to the
 * SLF4J logger of the same name, so Logback configuration decides what is shown.
 */
final class Log4jToSlf4j extends AbstractAppender {

    private static final String NAME = "dev-stack-slf4j";
    /** Held strongly: JUL forgets the level of loggers nobody references. */
    private static final java.util.logging.Logger LUCENE_VECTORIZATION =
        java.util.logging.Logger.getLogger("org.apache.lucene.internal.vectorization.VectorizationProvider");

    private Log4jToSlf4j() {
        super(NAME, null, null, true, Property.EMPTY_ARRAY);
    }

    /** Idempotent. The log4j threshold follows SLF4J's level for org.elasticsearch, so disabled events are not even built. */
    static synchronized void install() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = context.getConfiguration();
        if (configuration.getAppender(NAME) != null) {
            return;
        }
        // Elasticsearch's own logging facade (org.elasticsearch.logging) needs its log4j-backed factory set.
        LogConfigurator.configureESLogging();
        Log4jToSlf4j appender = new Log4jToSlf4j();
        appender.start();
        configuration.addAppender(appender);
        LoggerConfig root = configuration.getRootLogger();
        List.copyOf(root.getAppenders().keySet()).forEach(root::removeAppender);
        root.addAppender(appender, null, null);
        root.setLevel(thresholdOf(LoggerFactory.getLogger("org.elasticsearch")));
        // Known and harmless in-process: no bundled native libraries (zstd, simd), so native access
        // falls back to a no-op (logged with a long stack trace), and no incubator vector module.
        quiet(configuration, "org.elasticsearch.nativeaccess.NativeAccess");
        quiet(configuration, "org.elasticsearch.simdvec.ESVectorizationProvider");
        LUCENE_VECTORIZATION.setLevel(java.util.logging.Level.SEVERE); // Lucene logs this one through JUL
        context.updateLoggers();
    }

    private static void quiet(Configuration configuration, String loggerName) {
        configuration.addLogger(loggerName, new LoggerConfig(loggerName, Level.ERROR, true));
    }

    private static Level thresholdOf(Logger logger) {
        if (logger.isTraceEnabled()) return Level.TRACE;
        if (logger.isDebugEnabled()) return Level.DEBUG;
        if (logger.isInfoEnabled()) return Level.INFO;
        if (logger.isWarnEnabled()) return Level.WARN;
        return Level.ERROR;
    }

    @Override
    public void append(LogEvent event) {
        Logger logger = LoggerFactory.getLogger(event.getLoggerName() == null ? "org.elasticsearch" : event.getLoggerName());
        String message = event.getMessage().getFormattedMessage();
        Throwable thrown = event.getThrown();
        Level level = event.getLevel();
        if (level.isMoreSpecificThan(Level.ERROR)) {
            logger.error(message, thrown);
        } else if (level.isMoreSpecificThan(Level.WARN)) {
            logger.warn(message, thrown);
        } else if (level.isMoreSpecificThan(Level.INFO)) {
            logger.info(message, thrown);
        } else if (level.isMoreSpecificThan(Level.DEBUG)) {
            logger.debug(message, thrown);
        } else {
            logger.trace(message, thrown);
        }
    }
}
