package org.example.sbhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.testing.S3ProxyProcess;
import io.watch2s3.testing.StartupFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The Spring Boot host of this module, as its application.properties configures it, started as Spring Boot starts
 * it, with what a deployment adds on top: the tree, the bucket, the endpoint and credentials, the state.
 */
class SpringBootHostTest {

    private static final String IDENTITY = "sb-host";
    private static final String CREDENTIAL = "sb-host-secret";

    @TempDir
    static Path serverDir;
    private static S3ProxyProcess server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyProcess.start(serverDir, IDENTITY, CREDENTIAL);
        try (S3Client s3 = server.client()) {
            s3.createBucket(b -> b.bucket("site"));
        }
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void aCamelSpringBootHostSyncsItsTreeKeepsItsRouteAndShowsInItsActuatorWithoutAWebServer() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("www"));
        Files.writeString(tree.resolve("index.html"), "<h1>before start</h1>");
        try (ConfigurableApplicationContext host = start(Map.of("watch.dir", tree.toString(),
                "host.greeting-dir", tree.toString(), "s3.bucket", "site"))) {
            CamelContext camel = host.getBean(CamelContext.class);
            assertNotNull(camel.getRoute("greet"), "the host's own route is still there");
            assertNotNull(camel.getRoute("watch2s3-sync-file"), "watch2s3's routes run beside it");
            assertTrue(!(host instanceof WebServerApplicationContext), "no web server: " + host.getClass());

            server.awaitObject("site", "index.html", "<h1>before start</h1>");
            server.awaitObject("site", "greeting.txt", "hello from the host");
            Files.writeString(tree.resolve("news.html"), "<p>written while the host runs</p>");
            server.awaitObject("site", "news.html", "<p>written while the host runs</p>");

            // the host's Actuator: watch2s3's meters are in its registry, its checks in Camel's health indicator
            MeterRegistry meters = host.getBean(MeterRegistry.class);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> uploaded(meters) >= 3.0);
            assertTrue(((PrometheusMeterRegistry) meters).scrape().contains("watch2s3_files_uploaded_total{pair=\"watch2s3\"}"),
                    "the host's Prometheus scrape shows them");
            HealthIndicator camelHealth = host.getBean("camelHealth", HealthIndicator.class);
            assertEquals(Status.UP, camelHealth.health().getStatus(), camelHealth.health().toString());
            // the tree goes away: the host's health says so, naming watch2s3's check
            Files.move(tree, dir.resolve("www-away"));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> "DOWN".equals(
                    String.valueOf(camelHealth.health().getDetails().get("watch2s3-watcher"))));
            assertEquals(Status.DOWN, host.getBean(HealthEndpoint.class).health().getStatus());
        }
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aWrongSettingStopsTheHostWithOneLineNamingTheKey(CapturedOutput output) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("www"));
        Exception failure = assertThrows(Exception.class, () -> start(Map.of("watch.dir", tree.toString(),
                "host.greeting-dir", tree.toString(), "s3.bucket", "site", "sync.parallelism", "many")).close());
        assertEquals("sync.parallelism: 'many' is not a whole number", StartupFailure.watch2s3Line(failure));
        assertTrue(output.getAll().contains("APPLICATION FAILED TO START"), output.getAll());
        assertTrue(output.getAll().contains(
                "watch2s3 cannot start: watch2s3.sync.parallelism: 'many' is not a whole number"), output.getAll());
    }

    @Test
    void theBuiltInLocalEndpointIsRefusedInAHost() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("www"));
        Exception failure = assertThrows(Exception.class, () -> start(Map.of("watch.dir", tree.toString(),
                "host.greeting-dir", tree.toString(), "s3.bucket", "site", "s3.endpoint", "local")).close());
        assertTrue(StartupFailure.watch2s3Line(failure).startsWith("s3.endpoint: 'local' is the built-in endpoint"),
                StartupFailure.watch2s3Line(failure));
    }

    @Test
    void aMistypedWatch2s3KeyStopsTheHostNamingItAndWhatWasMeant() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("www"));
        Exception failure = assertThrows(Exception.class, () -> start(Map.of("watch.dir", tree.toString(),
                "host.greeting-dir", tree.toString(), "s3.bucket", "site", "sync.paralellism", "4")).close());
        assertEquals("watch2s3.sync.paralellism: unknown key (in Spring's environment); did you mean"
                + " watch2s3.sync.parallelism?", StartupFailure.watch2s3Line(failure));
    }

    /** Spring's property sources are not listed by Camel: the prefix is checked as Spring holds it. */
    @Test
    void aPrefixThatNamesAnotherSettingIsRefused() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("www"));
        Exception failure = assertThrows(Exception.class, () -> start(Map.of("watch.dir", tree.toString(),
                "host.greeting-dir", tree.toString(), "s3.bucket", "site", "s3.prefix", "{{s3.secret-key}}/")).close());
        String message = StartupFailure.watch2s3Line(failure);
        assertTrue(message.startsWith("s3.prefix: "), message);
        assertTrue(!message.contains(CREDENTIAL), "the secret is never shown: " + message);
    }

    private static double uploaded(MeterRegistry meters) {
        Counter counter = meters.find("watch2s3.files.uploaded").tag("pair", "watch2s3").counter();
        return counter == null ? 0 : counter.count();
    }

    /** The host with watch2s3's settings as the starter takes them: watch.dir is given as watch2s3.watch.dir. */
    private ConfigurableApplicationContext start(Map<String, String> settings) {
        Map<String, String> watch2s3 = new HashMap<>(server.watch2s3Settings(dir.resolve("state")));
        Map<String, Object> properties = new HashMap<>();
        settings.forEach((key, value) -> {
            if (key.startsWith("host.")) {
                properties.put(key, value);
            } else {
                watch2s3.put(key, value);
            }
        });
        watch2s3.forEach((key, value) -> properties.put("watch2s3." + key, value));
        properties.put("camel.main.run-controller", "false");
        // as command-line arguments, which win over the host's application.properties (builder properties would not)
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(SpringBootHostApplication.class).run(args);
    }
}
