package io.watch2s3.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Settings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** Spring's own environment classes, as Spring Boot fills them from application.properties and the OS. */
class Watch2S3PropertiesTest {

    private StandardEnvironment environment(Map<String, Object> applicationProperties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addLast(new MapPropertySource("application.properties", applicationProperties));
        ConfigurationPropertySources.attach(environment); // as Spring Boot does: a source over all the others
        new Watch2S3Properties().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    @Test
    void theRoutesSeeTheirKeysUnderTheNamesTheyUse() {
        StandardEnvironment environment = environment(Map.of("watch2s3.watch.dir", "/var/www",
                "watch2s3.s3.bucket", "site", "watch2s3.sync.quietPeriod", "2s", "s3.region", "eu-west-1"));
        assertEquals("/var/www", environment.getProperty("watch.dir"));
        assertEquals("site", environment.getProperty("s3.bucket"));
        assertEquals("2s", environment.getProperty("sync.quiet-period"), "camelCase as Spring users write it");
        assertEquals("eu-west-1", environment.getProperty("s3.region"), "an unprefixed key still counts");
        assertNull(environment.getProperty("sync.parallelism"), "unset: the routes' default applies");
        assertEquals("site", environment.getProperty("watch2s3.s3.bucket"), "through the source Spring Boot attaches");
    }

    @Test
    void anEnvironmentVariableSetsAKeyAsSpringSpellsIt() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("os",
                Map.of("WATCH2S3_SYNC_PARALLELISM", "4")));
        new Watch2S3Properties().postProcessEnvironment(environment, new SpringApplication());
        assertEquals("4", environment.getProperty("sync.parallelism"));
    }

    @Test
    void theRoutesAreAddedToTheHostsPatternNotInsteadOfIt() {
        assertEquals(Watch2S3Properties.CAMEL_DEFAULT_PATTERN + "," + Watch2S3Properties.ROUTES,
                environment(Map.of()).getProperty(Watch2S3Properties.ROUTES_PATTERN));
        assertEquals("classpath:mine/*," + Watch2S3Properties.ROUTES,
                environment(Map.of(Watch2S3Properties.ROUTES_PATTERN, "classpath:mine/*"))
                        .getProperty(Watch2S3Properties.ROUTES_PATTERN));
        String xml = "classpath:mine/*,classpath:watch2s3/routes/xml/watch-to-s3.xml";
        assertEquals(xml, environment(Map.of(Watch2S3Properties.ROUTES_PATTERN, xml))
                .getProperty(Watch2S3Properties.ROUTES_PATTERN), "the host chose the XML twin: not both");
    }

    @Test
    void aMistypedKeyStopsTheApplicationNamingItAndWhatWasMeant() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> environment(Map.of("watch2s3.sync.paralellism", "4")));
        assertEquals("watch2s3.sync.paralellism: unknown key (in Spring's environment); did you mean"
                + " watch2s3.sync.parallelism?", e.getMessage());
        ConfigurationException cli = assertThrows(ConfigurationException.class,
                () -> environment(Map.of("watch2s3.management.port", "8080")));
        assertEquals("watch2s3.management.port: is a setting of the watch2s3 command only; in a Spring Boot"
                + " application Spring Boot's management.* and logging.* apply", cli.getMessage());
    }

    @Test
    void theFailureReportNamesTheKeyAsTheApplicationWroteIt() {
        Map<String, Object> properties = new HashMap<>(Map.of("watch2s3.sync.parallelism", "0"));
        StandardEnvironment environment = environment(properties);
        ConfigurationException thrown = assertThrows(ConfigurationException.class,
                () -> Settings.checkAsWritten("sync.parallelism", "0"));
        FailureAnalysis analysis = new Watch2S3FailureAnalyzer(environment)
                .analyze(new IllegalStateException("Camel failed", new RuntimeException(thrown)));
        assertEquals("watch2s3 cannot start: watch2s3.sync.parallelism: '0' is out of range; allowed 1 to 512",
                analysis.getDescription());
        FailureAnalysis unprefixed = new Watch2S3FailureAnalyzer(environment(Map.of("sync.parallelism", "0")))
                .analyze(new IllegalStateException(thrown));
        assertEquals("watch2s3 cannot start: sync.parallelism: '0' is out of range; allowed 1 to 512",
                unprefixed.getDescription());
    }
}
