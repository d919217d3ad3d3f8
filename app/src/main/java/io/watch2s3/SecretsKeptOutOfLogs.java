package io.watch2s3;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggerContextListener;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Camel prints, at DEBUG and TRACE, each placeholder value it resolves with its key ("Found a JVM system property:
 * s3.secret-key with value: …", "Resolved text: {{s3.secret-key}} -> …") and masks none of them. A user who raises
 * org.apache.camel to DEBUG in a logging configuration of their own would find the secret key in the log: a line of
 * another library's logger that holds a secret key is dropped, whatever the configuration says, and again after
 * logback reads it anew (scan="true"). watch2s3's own lines never hold one (LogSafe); the other lines stay.
 */
final class SecretsKeptOutOfLogs extends TurboFilter implements LoggerContextListener {

    private final List<String> secrets;

    private SecretsKeptOutOfLogs(List<String> secrets) {
        this.secrets = secrets;
    }

    /** Installs the filter in logback's context (the command line's logging backend) for these secret keys. */
    static void install(List<String> secrets) {
        List<String> kept = secrets.stream().filter(secret -> secret != null && !secret.isBlank()).toList();
        if (!kept.isEmpty() && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            SecretsKeptOutOfLogs filter = new SecretsKeptOutOfLogs(kept);
            filter.setContext(context);
            filter.start();
            context.addTurboFilter(filter);
            context.addListener(filter);
        }
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == null || !level.isGreaterOrEqual(logger.getEffectiveLevel())
                || logger.getName().startsWith("io.watch2s3")) {
            return FilterReply.NEUTRAL; // not written anyway, or ours
        }
        if (holdsASecret(format)) {
            return FilterReply.DENY;
        }
        if (params != null) {
            for (Object param : params) {
                if (param != null && holdsASecret(param.toString())) {
                    return FilterReply.DENY;
                }
            }
        }
        return FilterReply.NEUTRAL;
    }

    private boolean holdsASecret(String text) {
        return text != null && secrets.stream().anyMatch(text::contains);
    }

    @Override
    public boolean isResetResistant() {
        return true;
    }

    @Override
    public void onReset(LoggerContext context) {
        // a reconfiguration clears the turbo filters: this one goes back
        if (!context.getTurboFilterList().contains(this)) {
            context.addTurboFilter(this);
        }
    }

    @Override
    public void onStart(LoggerContext context) {
        onReset(context);
    }

    @Override
    public void onStop(LoggerContext context) {
        // nothing held
    }

    @Override
    public void onLevelChange(Logger logger, Level level) {
        // the filter judges each event, whatever the levels
    }
}
