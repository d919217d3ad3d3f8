package io.watch2s3.spring;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Settings;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * Spring Boot's "APPLICATION FAILED TO START" report for a setting watch2s3 cannot use: the one line that names the
 * key (as the application wrote it: {@code watch2s3.sync.parallelism}), instead of Camel's stack of wrapped
 * exceptions.
 */
public class Watch2S3FailureAnalyzer extends AbstractFailureAnalyzer<ConfigurationException> {

    private final Environment environment;

    public Watch2S3FailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationException cause) {
        return new FailureAnalysis("watch2s3 cannot start: " + asWritten(cause.getMessage()),
                "Correct that setting (application.properties, the command line or the environment) and start again.",
                cause);
    }

    /** "sync.parallelism: …" becomes "watch2s3.sync.parallelism: …" where the application set it so. */
    String asWritten(String line) {
        int colon = line.indexOf(": ");
        String key = colon < 0 ? "" : line.substring(0, colon);
        if (Settings.isKnown(key) && environment != null && environment.containsProperty(Watch2S3Properties.PREFIX + key)) {
            return Watch2S3Properties.PREFIX + line;
        }
        return line;
    }
}
