package org.example.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.testing.S3ProxyProcess;
import io.watch2s3.testing.StartupFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The host of this module, as its own application.properties configures it (its route, log4j2, watch2s3 added to
 * the routes), started the way Camel Main starts, with only the keys a deployment would set on top: the tree, the
 * bucket, the endpoint and its credentials, and where the state lives.
 */
class CamelMainHostTest {

    private static final String IDENTITY = "host-test";
    private static final String CREDENTIAL = "host-test-secret";

    @TempDir
    static Path serverDir;
    private static S3ProxyProcess server;
    private static S3Client s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyProcess.start(serverDir, IDENTITY, CREDENTIAL);
        s3 = server.client();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
        server.close();
    }

    @Test
    void aPlainCamelMainHostWithLog4j2SyncsItsTreeAndKeepsItsOwnRoute() throws Exception {
        s3.createBucket(b -> b.bucket("site"));
        Path tree = Files.createDirectories(dir.resolve("www"));
        Files.writeString(tree.resolve("index.html"), "<h1>before start</h1>");
        Main host = host(Map.of("watch.dir", tree.toString(), "host.greeting-dir", tree.toString(),
                "s3.bucket", "site"));
        try {
            host.start();
            assertNotNull(host.getCamelContext().getRoute("greet"), "the host's own route is still there");
            assertTrue(LoggerFactory.getILoggerFactory().getClass().getName().startsWith("org.apache.logging."),
                    "the host's log4j2 does the logging: " + LoggerFactory.getILoggerFactory().getClass());

            server.awaitObject("site", "index.html", "<h1>before start</h1>");
            server.awaitObject("site", "greeting.txt", "hello from the host");
            Files.writeString(tree.resolve("news.html"), "<p>written while the host runs</p>");
            server.awaitObject("site", "news.html", "<p>written while the host runs</p>");
        } finally {
            host.stop();
        }
    }

    @Test
    void theBuiltInLocalEndpointIsRefusedInAHostWithOneLine() throws Exception {
        String message = startupFailure(Map.of("s3.bucket", "site", "s3.endpoint", "local"));
        assertTrue(message.startsWith("s3.endpoint: 'local' is the built-in endpoint of the watch2s3 command"
                + " line, which this Camel host does not run"), message);
    }

    @Test
    void aMistypedSettingStopsTheHostWithTheKeyAndASuggestion() throws Exception {
        assertEquals("sync.paralelism: unknown key (in the Camel properties); did you mean sync.parallelism?",
                startupFailure(Map.of("s3.bucket", "site", "sync.paralelism", "4")));
    }

    /** A host expands placeholders inside values: the prefix is checked as written, so no secret reaches a key. */
    @Test
    void aPrefixThatNamesAnotherSettingIsRefused() throws Exception {
        String message = startupFailure(Map.of("s3.bucket", "site", "s3.prefix", "{{s3.secret-key}}/"));
        assertTrue(message.startsWith("s3.prefix: "), message);
        assertFalse(message.contains(CREDENTIAL), "the secret is never shown: " + message);
    }

    @Test
    void aMissingBucketStopsTheHostBeforeAnyRouteStarts() throws Exception {
        String message = startupFailure(Map.of("s3.bucket", "no-such-bucket"));
        assertTrue(message.startsWith("s3.bucket: bucket 'no-such-bucket' does not exist at " + server.url()),
                message);
        assertTrue(Files.notExists(dir.resolve("www/greeting.txt")), "no route of the host ran either");
    }

    /** The host with its application.properties, and what a deployment adds: endpoint, credentials, state. */
    private Main host(Map<String, String> settings) {
        Main host = new Main(HostApplication.class);
        server.watch2s3Settings(dir.resolve("state")).forEach(host::addOverrideProperty);
        settings.forEach(host::addOverrideProperty);
        return host;
    }

    /** Starts the host on a tree of its own; returns the one-line message of the watch2s3 check that stopped it. */
    private String startupFailure(Map<String, String> settings) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("www"));
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("watch.dir", tree.toString());
        all.put("host.greeting-dir", tree.toString());
        Main host = host(all);
        try {
            return StartupFailure.watch2s3Line(assertThrows(Exception.class, host::start));
        } finally {
            host.stop();
        }
    }
}
