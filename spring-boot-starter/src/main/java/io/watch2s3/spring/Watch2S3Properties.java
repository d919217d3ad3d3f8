package io.watch2s3.spring;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Setting;
import io.watch2s3.config.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.camel.util.StringHelper;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;

/**
 * watch2s3 in a Spring Boot application: its settings are {@code watch2s3.*} properties ({@code watch2s3.watch.dir},
 * {@code watch2s3.s3.bucket}, … the README's keys under one prefix; Spring's environment variables
 * {@code WATCH2S3_WATCH_DIR} too), a {@code watch2s3.*} key that is no setting stops the application naming it, and
 * watch2s3's routes are added to the host's {@code camel.main.routes-include-pattern} (replacing the pattern would
 * drop the host's own routes).
 *
 * <p>An EnvironmentPostProcessor rather than {@code @ConfigurationProperties}: the routes read their settings through
 * Camel's placeholders, before any bean of the host is created, and the checks of every value live with the routes
 * (Watch2S3Setup) so that every host gets the same. Here the keys are only made visible to Camel under the names the
 * routes use.
 */
public class Watch2S3Properties implements EnvironmentPostProcessor {

    static final String PREFIX = "watch2s3.";
    static final String ROUTES = "classpath:watch2s3/routes/watch-to-s3.yaml";
    static final String ROUTES_PATTERN = "camel.main.routes-include-pattern";
    /** camel-spring-boot's default for the pattern. */
    static final String CAMEL_DEFAULT_PATTERN = "classpath:camel/*,classpath:camel-template/*,classpath:camel-rest/*";
    /** The command line's own keys: in a Spring Boot application Spring Boot's management.* and logging.* apply. */
    private static final List<String> CLI_ONLY = List.of("management.", "log.");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        rejectUnknownKeys(environment);
        environment.getPropertySources().addFirst(new UnprefixedKeys(environment));
        String pattern = environment.getProperty(ROUTES_PATTERN, CAMEL_DEFAULT_PATTERN);
        if (!pattern.contains("watch2s3/routes/")) {
            environment.getPropertySources().addFirst(new MapPropertySource("watch2s3-routes",
                    Map.of(ROUTES_PATTERN, pattern.isBlank() ? ROUTES : pattern + "," + ROUTES)));
        }
    }

    private static void rejectUnknownKeys(ConfigurableEnvironment environment) {
        for (String name : prefixedNames(environment)) {
            String key = StringHelper.camelCaseToDash(name.substring(PREFIX.length())); // quietPeriod: quiet-period
            if (!Settings.isInNamespace(key)) {
                continue; // not meant as a setting (watch2s3.local-endpoint, a test's system property)
            }
            if (CLI_ONLY.stream().anyMatch(key::startsWith)) {
                throw ConfigurationException.forKey(name, "is a setting of the watch2s3 command only; in a Spring Boot"
                        + " application Spring Boot's management.* and logging.* apply");
            }
            if (!Settings.isKnown(key)) {
                String closest = Settings.closestKey(key);
                throw ConfigurationException.forKey(name, "unknown key (in Spring's environment)"
                        + (closest == null ? "" : "; did you mean " + PREFIX + closest + "?"));
            }
        }
    }

    private static TreeSet<String> prefixedNames(ConfigurableEnvironment environment) {
        TreeSet<String> names = new TreeSet<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            // the attached source repeats every other source under Spring's canonical names
            if (source instanceof EnumerablePropertySource<?> enumerable
                    && !ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)) {
                for (String name : enumerable.getPropertyNames()) {
                    if (name.startsWith(PREFIX)) {
                        names.add(name);
                    }
                }
            }
        }
        return names;
    }

    /** {@code watch.dir} as the routes ask for it, answered with {@code watch2s3.watch.dir} when that is set. */
    static final class UnprefixedKeys extends EnumerablePropertySource<List<String>> {

        private static final List<String> KEYS = Settings.CONTRACT.stream().map(Setting::key)
                .filter(key -> CLI_ONLY.stream().noneMatch(key::startsWith)).toList();

        /** Not the source object: Spring Boot walks into a source whose object is an environment, and would loop. */
        private final ConfigurableEnvironment environment;

        UnprefixedKeys(ConfigurableEnvironment environment) {
            super("watch2s3", KEYS);
            this.environment = environment;
        }

        @Override
        public String[] getPropertyNames() {
            List<String> set = new ArrayList<>();
            for (String key : KEYS) {
                if (getProperty(key) != null) {
                    set.add(key);
                }
            }
            return set.toArray(String[]::new);
        }

        /** The value as written (the resolver expands Spring placeholders in it once, as for any property). */
        @Override
        public Object getProperty(String name) {
            if (!KEYS.contains(name)) {
                return null;
            }
            for (String prefixed : List.of(PREFIX + name, PREFIX + StringHelper.dashToCamelCase(name))) {
                for (PropertySource<?> source : environment.getPropertySources()) {
                    // not this one, nor the one Spring Boot attaches over all of them (it would ask this one again)
                    boolean loops = source == this || ConfigurationPropertySources.isAttachedConfigurationPropertySource(source);
                    Object value = loops ? null : source.getProperty(prefixed);
                    if (value != null) {
                        return value;
                    }
                }
            }
            return null;
        }
    }
}
