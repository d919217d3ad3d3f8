package io.watch2s3.karaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.testing.S3ProxyProcess;
import io.watch2s3.testing.TwoPairs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real Apache Karaf 4.4.10, unpacked by the build, started as a Karaf user starts it: our features file added to
 * its repositories and the feature watch2s3 to its boot features, the settings in etc/io.watch2s3.cfg, a second pair
 * in etc/watch2s3-pairs.yaml. Files dropped into both trees reach S3Proxy; a wrong setting stops the bundle with
 * watch2s3's one line, and the pairs come back when the setting is mended.
 */
class KarafFeatureIT {

    private static final String IDENTITY = "karaf-test";
    private static final String CREDENTIAL = "karaf-test-secret";
    /** A cold start downloads Camel, the AWS SDK and their kin into ~/.m2 first. */
    private static final Duration FIRST_START = Duration.ofMinutes(Long.getLong("karaf.first-start-minutes", 6));

    @TempDir
    static Path serverDir;
    /** Kept when a test fails: Karaf's log and data are in it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path work;
    private static S3ProxyProcess server;
    private static Path karaf;
    private static Process process;
    private static int sshPort;

    @BeforeAll
    static void startKaraf() throws Exception {
        server = S3ProxyProcess.start(serverDir, IDENTITY, CREDENTIAL);
        TwoPairs trees;
        try (S3Client s3 = server.client()) {
            trees = TwoPairs.create(s3, work);
        }
        Path docs = trees.docs();

        karaf = copyOf(Path.of(System.getProperty("karaf.dist")), work.resolve("karaf"));
        Path etc = karaf.resolve("etc");
        // what a Karaf user does: our features repository, the feature at boot, the settings and the pairs
        Path features = work.resolve("watch2s3-features.xml");
        Files.writeString(features, featuresWithBuiltBundles());
        edit(etc.resolve("org.apache.karaf.features.cfg"), Map.of(
                "featuresRepositories = \\\n", "featuresRepositories = \\\n    file:" + features + ", \\\n",
                "featuresBoot = \\\n", "featuresBoot = \\\n    watch2s3, \\\n"));
        writeSettings(siteSettings());
        Files.writeString(etc.resolve(KarafHost.PAIRS_FILE), """
                - templatedRoute:
                    routeTemplateRef: watch2s3
                    routeId: docs
                    parameters:
                      - name: watch.dir
                        value: "%s"
                      - name: s3.bucket
                        value: docs
                      - name: state.dir
                        value: "%s"
                """.formatted(docs, work.resolve("state/docs")));
        // the route id in Karaf's log lines (as the README tells a Karaf user): which pair wrote a line
        edit(etc.resolve("org.ops4j.pax.logging.cfg"), Map.of("%X{bundle.version} | %encode",
                "%X{bundle.version} | %X{camel.routeId} | %encode"));
        // only because of this machine's Maven mirror: see the file's own comment
        Files.copy(Path.of("src/test/resources/org.apache.karaf.features.xml"),
                etc.resolve("org.apache.karaf.features.xml"), StandardCopyOption.REPLACE_EXISTING);
        // for the test: a shell user (4.4.10 ships none) and ports of its own
        edit(etc.resolve("users.properties"), Map.of("#karaf = karaf,_g_:admingroup", "karaf = karaf,_g_:admingroup",
                "#_g_\\:admingroup", "_g_\\:admingroup"));
        sshPort = S3ProxyProcess.freePort();
        edit(etc.resolve("org.apache.karaf.shell.cfg"), Map.of("sshPort = 8101", "sshPort = " + sshPort));
        edit(etc.resolve("org.apache.karaf.management.cfg"), Map.of(
                "rmiRegistryPort = 1099", "rmiRegistryPort = " + S3ProxyProcess.freePort(),
                "rmiServerPort = 44444", "rmiServerPort = " + S3ProxyProcess.freePort()));

        ProcessBuilder start = new ProcessBuilder(karaf.resolve("bin/karaf").toString(), "server")
                .redirectErrorStream(true).redirectOutput(work.resolve("karaf.out").toFile());
        start.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = start.start();
    }

    @AfterAll
    static void stopKaraf() throws Exception {
        if (process != null) {
            // Karaf's JVM, not only bin/karaf: the temporary directory is deleted next, and a JVM still shutting
            // down writes its log and data into it
            List<ProcessHandle> karafProcesses = java.util.stream.Stream.concat(process.descendants(),
                    java.util.stream.Stream.of(process.toHandle())).toList();
            karafProcesses.forEach(ProcessHandle::destroy);
            for (ProcessHandle p : karafProcesses) {
                try {
                    p.onExit().get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    p.destroyForcibly();
                    p.onExit().get(30, TimeUnit.SECONDS);
                }
            }
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theFeatureSyncsBothPairsAndAWrongSettingStopsItWithOneLine() throws Exception {
        awaitLog("uploaded " + TwoPairs.SITE_FILE, FIRST_START);
        server.awaitObject("site", TwoPairs.SITE_FILE, TwoPairs.SITE_CONTENT);
        server.awaitObject("docs", TwoPairs.DOCS_FILE, TwoPairs.DOCS_CONTENT);
        Files.writeString(work.resolve("www/news.html"), "<p>dropped while Karaf runs</p>");
        Files.writeString(work.resolve("docs/faq.md"), "# faq, dropped while Karaf runs");
        server.awaitObject("site", "news.html", "<p>dropped while Karaf runs</p>");
        server.awaitObject("docs", "faq.md", "# faq, dropped while Karaf runs");
        assertTrue(log().lines().anyMatch(l -> l.contains("uploaded faq.md") && l.contains("docs-sync-file")),
                "a line names the pair that wrote it");

        // a mistyped key: the bundle does not start, and Karaf's log says why in watch2s3's words
        Map<String, String> typo = siteSettings();
        typo.put("sync.paralelism", "4");
        writeSettings(typo);
        String printed = shell("bundle:restart io.watch2s3.karaf", true);
        assertTrue(printed.contains("watch2s3 cannot start: sync.paralelism: unknown key (in the Camel properties);"
                + " did you mean sync.parallelism?"), printed);
        awaitLog("watch2s3 cannot start: sync.paralelism: unknown key (in the Camel properties); did you mean"
                + " sync.parallelism?", Duration.ofMinutes(2));
        assertTrue(!log().contains(CREDENTIAL), "the secret key is never logged");

        // a pairs file Camel cannot read: the bundle does not start, and says which file
        Path pairs = karaf.resolve("etc").resolve(KarafHost.PAIRS_FILE);
        String pairsWritten = Files.readString(pairs);
        writeSettings(siteSettings());
        Files.writeString(pairs, "- templatedRoute: [this is not\n");
        printed = shell("bundle:restart io.watch2s3.karaf", true);
        assertTrue(printed.contains("watch2s3 cannot start: ") && printed.contains(KarafHost.PAIRS_FILE), printed);

        // nothing to mirror (no watch.dir, no pairs file): the bundle starts, runs nothing and says what to set
        Files.delete(pairs);
        Map<String, String> noPair = siteSettings();
        noPair.remove("watch.dir");
        writeSettings(noPair);
        shell("bundle:restart io.watch2s3.karaf", false);
        awaitLog("watch2s3: nothing to mirror yet: set watch.dir and s3.bucket in", Duration.ofMinutes(2));
        Files.writeString(pairs, pairsWritten);

        // mended: both pairs run again, and a file written meanwhile arrives
        Files.writeString(work.resolve("www/while-stopped.html"), "<p>written while the bundle was stopped</p>");
        writeSettings(siteSettings());
        shell("bundle:restart io.watch2s3.karaf", false);
        server.awaitObject("site", "while-stopped.html", "<p>written while the bundle was stopped</p>");
        Files.writeString(work.resolve("docs/after.md"), "# after the restart");
        server.awaitObject("docs", "after.md", "# after the restart");
        try (S3Client s3 = server.client(); var keys = s3.listObjectsV2Paginator(b -> b.bucket("site")).contents()
                .stream()) {
            assertEquals(List.of("index.html", "news.html", "while-stopped.html"),
                    keys.map(o -> o.key()).sorted().toList(), "each pair its own bucket");
        }
    }

    /** Our features file as the build wrote it, with the two bundles of this build instead of their Maven URLs. */
    private static String featuresWithBuiltBundles() throws IOException {
        String features = Files.readString(Path.of(System.getProperty("karaf.features")));
        String version = System.getProperty("project.version", "0.1.0-SNAPSHOT");
        String core = "mvn:io.watch2s3/watch2s3-core/" + version;
        String host = "mvn:io.watch2s3/watch2s3-karaf/" + version;
        assertTrue(features.contains(core) && features.contains(host), features);
        return features.replace(core, "file:" + System.getProperty("karaf.bundle.core"))
                .replace(host, "file:" + System.getProperty("karaf.bundle.host"));
    }

    /** etc/io.watch2s3.cfg: the pair watch2s3 (www → bucket site) and what the pairs share (endpoint, keys). */
    private static Map<String, String> siteSettings() {
        Map<String, String> settings = new LinkedHashMap<>(server.watch2s3Settings(work.resolve("state/site")));
        settings.put("watch.dir", work.resolve("www").toString());
        settings.put("s3.bucket", "site");
        return settings;
    }

    private static void writeSettings(Map<String, String> settings) throws IOException {
        Files.writeString(karaf.resolve("etc").resolve(KarafHost.SETTINGS_FILE), settings.entrySet().stream()
                .map(e -> e.getKey() + " = " + e.getValue()).collect(Collectors.joining("\n", "", "\n")));
    }

    /**
     * Runs a Karaf shell command through bin/client (batch mode: commands on stdin work without a terminal); returns
     * what the shell printed, or throws when it exits with an error and {@code mayFail} is false.
     */
    private static String shell(String command, boolean mayFail) throws Exception {
        ProcessBuilder client = new ProcessBuilder(karaf.resolve("bin/client").toString(), "-a",
                String.valueOf(sshPort), "-u", "karaf", "-p", "karaf", "-r", "30", "-d", "2", "-b")
                .redirectErrorStream(true).redirectOutput(work.resolve("client.out").toFile());
        client.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = client.start();
        p.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bin/client did not finish");
        String printed = Files.readString(work.resolve("client.out"));
        assertTrue(mayFail || p.exitValue() == 0, printed);
        return printed;
    }

    private static void awaitLog(String text, Duration atMost) throws IOException {
        try {
            Awaitility.await().atMost(atMost).pollInterval(Duration.ofSeconds(1)).until(() -> {
                if (!process.isAlive()) {
                    throw new AssertionError("Karaf exited: " + Files.readString(work.resolve("karaf.out")));
                }
                return log().contains(text);
            });
        } catch (ConditionTimeoutException e) {
            List<String> lines = log().lines().toList();
            throw new AssertionError("no '" + text + "' in Karaf's log; its last lines:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size())), e);
        }
    }

    private static String log() throws IOException {
        Path log = karaf.resolve("data/log/karaf.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static void edit(Path file, Map<String, String> replacements) throws IOException {
        String text = Files.readString(file);
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            assertTrue(text.contains(r.getKey()), file + " has no '" + r.getKey() + "'");
            text = text.replace(r.getKey(), r.getValue());
        }
        Files.writeString(file, text);
    }

    private static Path copyOf(Path from, Path to) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(from)) {
            all = new ArrayList<>(walk.toList());
        }
        for (Path source : all) {
            Files.copy(source, to.resolve(from.relativize(source).toString()), StandardCopyOption.COPY_ATTRIBUTES);
        }
        return to;
    }
}
