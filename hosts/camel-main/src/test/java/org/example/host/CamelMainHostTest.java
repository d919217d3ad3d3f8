package org.example.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.testing.S3ProxyProcess;
import io.watch2s3.testing.StartupFailure;
import io.watch2s3.testing.TwoPairs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.main.Main;
import org.apache.commons.io.output.TeeOutputStream;
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
    void aPlainCamelMainHostWithLog4j2SyncsTwoPairsAndKeepsItsOwnRoute() throws Exception {
        TwoPairs trees = TwoPairs.create(s3, dir);
        Path site = trees.site();
        Path docs = trees.docs();
        Main host = host(Map.of("host.site-bucket", "site", "host.docs-bucket", "docs"));
        PrintStream console = System.out;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new TeeOutputStream(console, logged), true, StandardCharsets.UTF_8));
        try {
            host.start();
            assertNotNull(host.getCamelContext().getRoute("greet"), "the host's own route is still there");
            assertNotNull(host.getCamelContext().getRoute("site-sync-file"), "the pair site has its routes");
            assertNotNull(host.getCamelContext().getRoute("docs-sync-file"), "and the pair docs its own");
            assertTrue(LoggerFactory.getILoggerFactory().getClass().getName().startsWith("org.apache.logging."),
                    "the host's log4j2 does the logging: " + LoggerFactory.getILoggerFactory().getClass());

            server.awaitObject("site", TwoPairs.SITE_FILE, TwoPairs.SITE_CONTENT);
            server.awaitObject("docs", "docs/" + TwoPairs.DOCS_FILE, TwoPairs.DOCS_CONTENT);
            server.awaitObject("site", "greeting.txt", "hello from the host");
            Files.writeString(site.resolve("news.html"), "<p>written while the host runs</p>");
            Files.writeString(docs.resolve("faq.md"), "# faq, written while the host runs");
            server.awaitObject("site", "news.html", "<p>written while the host runs</p>");
            server.awaitObject("docs", "docs/faq.md", "# faq, written while the host runs");
            try (var keys = s3.listObjectsV2Paginator(b -> b.bucket("site")).contents().stream()) {
                assertEquals(java.util.Set.of("index.html", "greeting.txt", "news.html"),
                        keys.map(o -> o.key()).collect(java.util.stream.Collectors.toSet()), "each pair its own bucket");
            }
            // each pair's lines name it: the route id in the host's pattern (camel.main.use-mdc-logging)
            String log = logged.toString(StandardCharsets.UTF_8);
            assertTrue(log.lines().anyMatch(l -> l.contains("[site-sync-file]") && l.contains("uploaded news.html")),
                    log);
            assertTrue(log.lines().anyMatch(l -> l.contains("[docs-sync-file]") && l.contains("uploaded docs/faq.md")),
                    log);
        } finally {
            host.stop();
            System.setOut(console);
        }
    }

    @Test
    void twoPairsOnOneStateDirectoryAreRefused() throws Exception {
        s3.createBucket(b -> b.bucket("shared"));
        Path tree = Files.createDirectories(dir.resolve("www"));
        Files.createDirectories(dir.resolve("docs"));
        Main host = host(Map.of("host.site-bucket", "shared", "host.docs-bucket", "shared"));
        // both pairs' state.dir are {{host.state-dir}}/<pair>: make them the same directory through a link
        Files.createDirectories(dir.resolve("state/site"));
        Files.createSymbolicLink(dir.resolve("state/docs"), dir.resolve("state/site"));
        try {
            String message = StartupFailure.watch2s3Line(assertThrows(Exception.class, host::start));
            assertTrue(message.startsWith("state.dir: pairs site and docs both use "), message);
        } finally {
            host.stop();
        }
        assertTrue(Files.exists(tree));
    }

    @Test
    void theBuiltInLocalEndpointIsRefusedInAHostWithOneLine() throws Exception {
        String message = startupFailure(Map.of("s3.endpoint", "local"));
        assertTrue(message.startsWith("s3.endpoint: 'local' is the built-in endpoint of the watch2s3 command"
                + " line, which this Camel host does not run"), message);
    }

    @Test
    void aMistypedSettingStopsTheHostWithTheKeyAndASuggestion() throws Exception {
        assertEquals("sync.paralelism: unknown key (in the Camel properties); did you mean sync.parallelism?",
                startupFailure(Map.of("sync.paralelism", "4")));
    }

    /** A host expands placeholders inside values: the prefix is checked as written, so no secret reaches a key. */
    @Test
    void aPrefixThatNamesAnotherSettingIsRefused() throws Exception {
        String message = startupFailure(Map.of("s3.prefix", "{{s3.secret-key}}/"));
        assertTrue(message.startsWith("s3.prefix: "), message);
        assertFalse(message.contains(CREDENTIAL), "the secret is never shown: " + message);
    }

    @Test
    void aMissingBucketStopsTheHostBeforeAnyRouteStarts() throws Exception {
        String message = startupFailure(Map.of("host.site-bucket", "no-such-bucket"));
        assertTrue(message.startsWith("s3.bucket: bucket 'no-such-bucket' does not exist at " + server.url()),
                message);
        assertTrue(Files.notExists(dir.resolve("www/greeting.txt")), "no route of the host ran either");
    }

    /**
     * The host with its application.properties, and what a deployment adds: endpoint, credentials, where the pairs'
     * trees and states are (www and docs in the test's directory).
     */
    private Main host(Map<String, String> settings) {
        Main host = new Main(HostApplication.class);
        Map<String, String> deployment = new java.util.HashMap<>(server.watch2s3Settings(dir.resolve("state")));
        deployment.remove("state.dir");
        deployment.put("host.state-dir", dir.resolve("state").toString());
        deployment.put("host.site-dir", dir.resolve("www").toString());
        deployment.put("host.docs-dir", dir.resolve("docs").toString());
        deployment.put("host.greeting-dir", dir.resolve("www").toString());
        deployment.put("host.site-bucket", "site");
        deployment.put("host.docs-bucket", "docs");
        deployment.putAll(settings);
        deployment.forEach(host::addOverrideProperty);
        return host;
    }

    /** Starts the host on a tree of its own; returns the one-line message of the watch2s3 check that stopped it. */
    private String startupFailure(Map<String, String> settings) throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Files.createDirectories(dir.resolve("docs"));
        Main host = host(settings);
        try {
            return StartupFailure.watch2s3Line(assertThrows(Exception.class, host::start));
        } finally {
            host.stop();
        }
    }
}
