package io.watch2s3.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The log lines watch2s3 writes while a test runs in this JVM (its real logback output, read back). */
public final class LogCapture implements AutoCloseable {

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public LogCapture() {
        appender.start();
        root.addAppender(appender);
    }

    /** The formatted messages at {@code level} from loggers whose name ends with {@code loggerSuffix}. */
    public List<String> lines(Level level, String loggerSuffix) {
        synchronized (appender) {
            return appender.list.stream()
                    .filter(e -> e.getLevel() == level && e.getLoggerName().endsWith(loggerSuffix))
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** Every message at {@code level} or above. */
    public List<String> atLeast(Level level) {
        synchronized (appender) {
            return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(level))
                    .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
