package io.watch2s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.support.JavaProcess;
import io.watch2s3.testing.S3ProxyProcess;
import io.watch2s3.support.S3TestServer;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whatever the user must fix stops start-up with one line that names the key, and exit code 2 (real processes). */
class StartupErrorsTest {

    @TempDir
    static Path serverDir;
    static S3TestServer s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() {
        s3 = S3TestServer.start(serverDir);
        s3.createBucket("present");
    }

    @AfterAll
    static void stopServer() {
        s3.close();
    }

    /** Runs watch2s3 with valid settings for this test's dir, changed by {@code overrides}; returns stderr. */
    private String runExpectingExit2(String endpoint, Map<String, String> overrides) throws Exception {
        Files.createDirectories(dir.resolve("tree"));
        Map<String, String> settings = new java.util.LinkedHashMap<>(Map.of(
                "watch.dir", dir.resolve("tree").toString(),
                "state.dir", dir.resolve("state").toString(),
                "s3.endpoint", endpoint,
                "s3.path-style", "true",
                "s3.bucket", "present",
                "s3.access-key", "a",
                "s3.secret-key", "b"));
        settings.putAll(overrides);
        List<String> jvm = new ArrayList<>();
        settings.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
        try (JavaProcess p = JavaProcess.start(dir.resolve("run"), jvm, Map.of())) {
            int code = p.waitFor(120);
            String stderr = p.stderr();
            assertEquals(2, code, "exit code; stderr:\n" + stderr);
            List<String> ours = stderr.lines().filter(l -> l.startsWith("watch2s3: ")).toList();
            assertEquals(1, ours.size(), "one line for the user: " + stderr);
            assertEquals(ours, (p.stdout() + stderr).lines().filter(l -> !l.isBlank()).toList(),
                    "and nothing else: " + p.stdout() + stderr);
            assertFalse(stderr.contains("\tat "), "no stack trace: " + stderr);
            // no signal was sent: Camel's shutdown hook once took the exit for a SIGTERM and said so
            assertFalse((p.stdout() + stderr).contains("SIGTERM"), "no word of a signal: " + p.stdout() + stderr);
            return ours.get(0);
        }
    }

    private String runExpectingExit2(Map<String, String> overrides) throws Exception {
        return runExpectingExit2(s3.url(), overrides);
    }

    /** The shipped route file, edited as a user would (the edit must change it), in the run's routes/. */
    private String runWithEditedRoute(java.util.function.UnaryOperator<String> edit) throws Exception {
        String route = Files.readString(Path.of("routes/watch-to-s3.yaml"));
        String edited = edit.apply(route);
        assertFalse(edited.equals(route), "the edit changed nothing");
        Files.createDirectories(dir.resolve("run/routes"));
        Files.writeString(dir.resolve("run/routes/watch-to-s3.yaml"), edited);
        return runExpectingExit2(Map.of());
    }

    /** A second pair in the route files, as a user adds one, with what is wrong with it. */
    private String runWithSecondPair(String pair) throws Exception {
        Files.createDirectories(dir.resolve("run/routes"));
        Files.copy(Path.of("routes/watch-to-s3.yaml"), dir.resolve("run/routes/watch-to-s3.yaml"));
        Files.writeString(dir.resolve("run/routes/pairs.yaml"), pair);
        return runExpectingExit2(Map.of());
    }

    @Test
    void aPairParameterThatIsNoSettingIsNamedWithTheKeyMeant() throws Exception {
        Files.createDirectories(dir.resolve("docs"));
        String line = runWithSecondPair(TestApp.pairYaml("docs", Map.of("watch.dir", dir.resolve("docs").toString(),
                "sync.paralellism", "4")));
        assertEquals("watch2s3: sync.paralellism: is no parameter of the pair docs; did you mean sync.parallelism?",
                line);
    }

    @Test
    void aPairWithoutARouteIdIsRefused() throws Exception {
        String line = runWithSecondPair(TestApp.pairYaml(null, Map.of("s3.bucket", "present")));
        assertTrue(line.startsWith("watch2s3: a templatedRoute of watch2s3 needs a routeId"), line);
    }

    @Test
    void twoPairsWithOneIdAreRefused() throws Exception {
        String line = runWithSecondPair(TestApp.pairYaml("main", Map.of("s3.bucket", "present")));
        assertEquals("watch2s3: two templatedRoutes of watch2s3 have the routeId 'main'", line);
    }

    /** A template bean edited into one that cannot be made: the pair and the bean are named, not a stack trace. */
    @Test
    void aTemplateBeanThatCannotBeCreatedIsNamed() throws Exception {
        String line = runWithEditedRoute(route -> route.replace("type: io.watch2s3.change.PathFilter",
                "type: io.watch2s3.change.PathFiltr"));
        assertTrue(line.startsWith("watch2s3: pair main: the bean pathFilter of the route template cannot be created: ")
                && line.contains("PathFiltr"), line);
    }

    @Test
    void twoPairsOnOneStateDirectoryAreRefused() throws Exception {
        Files.createDirectories(dir.resolve("docs"));
        String line = runWithSecondPair(TestApp.pairYaml("docs", Map.of("watch.dir", dir.resolve("docs").toString())));
        assertTrue(line.startsWith("watch2s3: state.dir: pairs main and docs both use ")
                || line.startsWith("watch2s3: state.dir: pairs docs and main both use "), line);
    }

    /** A camel.* key Camel cannot bind gets watch2s3's one line and exit 2, not Camel's exception and exit 1. */
    @Test
    void aMistypedCamelKeyIsNamedInOneLine() throws Exception {
        Files.createDirectories(dir.resolve("run"));
        Files.writeString(dir.resolve("run/application.properties"), "camel.main.shutdown-timout = 20\n");
        String line = runExpectingExit2(Map.of());
        assertEquals("watch2s3: camel.main.shutdown-timout: unknown option, or a value it cannot take ('20')", line);
    }

    /** A shutdown timeout that is no number: Camel ignored it without a word. */
    @Test
    void aShutdownTimeoutThatIsNoNumberIsNamedInOneLine() throws Exception {
        Files.createDirectories(dir.resolve("run"));
        Files.writeString(dir.resolve("run/application.properties"), "camel.main.shutdown-timeout = 20s\n");
        String line = runExpectingExit2(Map.of());
        assertEquals("watch2s3: camel.main.shutdown-timeout: '20s' is not a whole number of seconds (the shipped file"
                + " has 20)", line);
    }

    /** A route file edited before watch2s3 became a template (its pipeline under another name, or plain routes). */
    @Test
    void aRouteFileWithoutTheTemplateIsNamedWithTheFix() throws Exception {
        String line = runWithEditedRoute(route -> route.replace("- routeTemplate:\n    id: watch2s3\n",
                "- routeTemplate:\n    id: my-pipeline\n"));
        assertEquals("watch2s3: the routes in file:routes/*.yaml,file:routes/*.xml define no route template watch2s3:"
                + " copy the shipped routes/watch-to-s3.yaml and make your changes again", line);
    }

    /** An edited route file kept from before the setup bean existed: named, not an obscure failure later. */
    @Test
    void aRouteFileWithoutTheSetupBeanIsNamedWithTheFix() throws Exception {
        String line = runWithEditedRoute(route -> route.replaceFirst(
                "(?s)\n *- name: watch2s3Setup\n.*?initMethod: checkAndPrepare\n", "\n"));
        assertTrue(line.startsWith("watch2s3: the routes in file:routes/*.yaml,file:routes/*.xml do not declare the"
                + " bean io.watch2s3.camel.Watch2S3Setup"), line);
    }

    /**
     * An edited route file kept from an earlier version, calling a bean method since renamed (here the claim of a
     * path, which became claimOrHandOn): named with the fix, rather than a route failing at its first file.
     */
    @Test
    void aRouteFileCallingABeanMethodThisVersionDoesNotHaveIsNamedWithTheFix() throws Exception {
        String line = runWithEditedRoute(route -> route.replace("method: claimOrHandOn", "method: claim"));
        assertEquals("watch2s3: the routes in file:routes/*.yaml,file:routes/*.xml call the method claim of"
                + " io.watch2s3.sync.PathsInFlight, which this version does not have: copy the shipped"
                + " routes/watch-to-s3.yaml and make your changes again", line);
    }

    @Test
    void aMissingWatchDirIsNamed() throws Exception {
        String line = runExpectingExit2(Map.of("watch.dir", dir.resolve("nowhere").toString()));
        assertTrue(line.startsWith("watch2s3: watch.dir: ") && line.contains("not an existing directory"), line);
    }

    /**
     * A kill -9 while S3Mock wrote a bucket's index left it empty or cut short, and the built-in endpoint answered
     * every request with HTTP 500 for good ("S3 is not answering"). The start says so, and what to do.
     */
    @Test
    void aBuiltInEndpointStoreLeftBrokenByAKillIsNamedWithTheFix() throws Exception {
        Path index = Files.createDirectories(dir.resolve("state/local-s3/site")).resolve("bucketMetadata.json");
        Files.writeString(index, "");
        String line = runExpectingExit2("local", Map.of("s3.bucket", "site"));
        assertEquals("watch2s3: s3.endpoint: the built-in endpoint's store is damaged: " + index + " is empty (a kill"
                + " while S3Mock wrote it). The built-in endpoint is for trying watch2s3 out: delete " + dir.resolve("state")
                + " (its objects and the state that describes them) and start again, which uploads the tree afresh", line);
        Files.writeString(index, "{\"name\":\"site\",\"objects\":{\"a.txt\":\"b8f6");
        line = runExpectingExit2("local", Map.of("s3.bucket", "site"));
        assertTrue(line.contains(index + " is cut short (a kill"), line);
    }

    @Test
    void aWatchDirThatIsAFileIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        String line = runExpectingExit2(Map.of("watch.dir", file.toString()));
        assertTrue(line.startsWith("watch2s3: watch.dir: "), line);
    }

    @Test
    void aMissingBucketIsNamedWithTheWayToCreateIt() throws Exception {
        String line = runExpectingExit2(Map.of("s3.bucket", "absent"));
        assertTrue(line.startsWith("watch2s3: s3.bucket: ") && line.contains("s3.create-bucket=true"), line);
    }

    @Test
    void refusedCredentialsAreNamed() throws Exception {
        try (S3ProxyProcess proxy = S3ProxyProcess.start(dir.resolve("s3proxy"), "right-key", "right-secret")) {
            String line = runExpectingExit2(proxy.url(), Map.of("s3.access-key", "wrong-key",
                    "s3.secret-key", "wrong-secret", "s3.checksums", "when-required"));
            assertTrue(line.startsWith("watch2s3: s3.access-key: ") && line.contains("refused"), line);
            assertFalse(line.contains("wrong-secret"), "the secret is never printed");
        }
    }

    @Test
    void anUnreachableEndpointIsNamed() throws Exception {
        String line = runExpectingExit2("http://127.0.0.1:1", Map.of());
        assertTrue(line.startsWith("watch2s3: s3.endpoint: ") && line.contains("cannot reach"), line);
    }

    @Test
    void malformedValuesNameTheKeyAndWhatIsAllowed() throws Exception {
        assertEquals("watch2s3: sync.parallelism: 'many' is not a whole number",
                runExpectingExit2(Map.of("sync.parallelism", "many")));
        assertTrue(runExpectingExit2(Map.of("sync.quiet-period", "5")).contains("sync.quiet-period: '5' has no unit"));
        assertTrue(runExpectingExit2(Map.of("sync.deletes", "yes")).contains("use true or false"));
        assertTrue(runExpectingExit2(Map.of("s3.endpoint", "ftp://example")).startsWith("watch2s3: s3.endpoint: "));
        assertTrue(runExpectingExit2(Map.of("s3.bucket", "Not_A_Bucket")).startsWith("watch2s3: s3.bucket: "));
        assertTrue(runExpectingExit2(Map.of("state.url", "jdbc:postgresql://x/y")).contains("not supported yet"));
        assertTrue(runExpectingExit2(Map.of("state.dir", dir.resolve("tree/.state").toString()))
                .startsWith("watch2s3: state.dir: "));
    }

    @Test
    void aPropertiesFileNamedOnTheCommandLineIsRead() throws Exception {
        Path props = Files.writeString(dir.resolve("other.properties"), "sync.max-batch = lots\n");
        try (JavaProcess p = JavaProcess.start(dir.resolve("run"), List.of(), Map.of(), "--properties",
                props.toString())) {
            assertEquals(2, p.waitFor(60));
            assertTrue(p.stderr().contains("watch2s3: sync.max-batch: 'lots' is not a whole number"), p.stderr());
        }
    }

    @Test
    void aSecondInstanceOnTheSameStateIsRefused() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        s3.createBucket("shared-state");
        java.util.Map<String, String> settings = io.watch2s3.support.TestApp.settings(s3, "shared-state", tree,
                dir.resolve("state"));
        try (io.watch2s3.support.TestApp first = io.watch2s3.support.TestApp.start(settings)) {
            String line = runExpectingExit2(Map.of("s3.bucket", "shared-state"));
            assertTrue(line.startsWith("watch2s3: state.dir: ") && line.contains("another watch2s3"), line);
        }
    }

    @Test
    void anUnknownOptionIsNamed() throws Exception {
        try (JavaProcess p = JavaProcess.start(dir.resolve("run"), List.of(), Map.of(), "--frobnicate")) {
            assertEquals(2, p.waitFor(60));
            assertTrue(p.stderr().contains("unknown option '--frobnicate'"), p.stderr());
        }
    }

    @Test
    void helpPrintsUsageAndExitsZero() throws Exception {
        try (JavaProcess p = JavaProcess.start(dir.resolve("run"), List.of(), Map.of(), "--help")) {
            assertEquals(0, p.waitFor(60));
            assertTrue(p.stdout().contains("Usage: java -jar watch2s3.jar"), p.stdout());
        }
    }

    @Test
    void settingsComeFromTheEnvironmentToo() throws Exception {
        Files.createDirectories(dir.resolve("tree"));
        try (JavaProcess p = JavaProcess.start(dir.resolve("run"), List.of(), Map.of(
                "WATCH_DIR", dir.resolve("tree").toString(), "SYNC_PARALLELISM", "0"))) {
            assertEquals(2, p.waitFor(60));
            assertTrue(p.stderr().contains("sync.parallelism: '0' is out of range"), p.stderr());
        }
    }

    @Test
    void aManagementPortInUseIsNamed() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String line = runExpectingExit2(Map.of("management.port", Integer.toString(taken.getLocalPort())));
            assertTrue(line.startsWith("watch2s3: management.port: 127.0.0.1:" + taken.getLocalPort()), line);
        }
    }

    @Test
    void aStateDirThatCannotBeWrittenIsNamedWithoutAStackTrace() throws Exception {
        String line = onAReadOnlyDirectory(readOnly -> runExpectingExit2(
                Map.of("state.dir", readOnly.resolve("state").toString())));
        assertTrue(line.startsWith("watch2s3: state.dir: "), line);
    }

    /** The first try of the run command, from a directory it may not write in: the built-in endpoint's store. */
    @Test
    void aStateDirThatCannotBeWrittenForTheBuiltInEndpointIsNamedWithoutAStackTrace() throws Exception {
        String line = onAReadOnlyDirectory(readOnly -> runExpectingExit2("local",
                Map.of("state.dir", readOnly.resolve("state").toString())));
        assertTrue(line.startsWith("watch2s3: state.dir: cannot create the built-in endpoint's store "), line);
    }

    private interface Run {
        String on(Path readOnly) throws Exception;
    }

    private String onAReadOnlyDirectory(Run run) throws Exception {
        Path readOnly = Files.createDirectories(dir.resolve("read-only"));
        boolean mounted = "root".equals(System.getProperty("user.name"));
        if (mounted) { // root writes whatever the mode: a read-only file system it cannot
            assertEquals(0, io.watch2s3.support.Processes.run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs",
                    readOnly.toString()));
        } else {
            Files.setPosixFilePermissions(readOnly, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        try {
            return run.on(readOnly);
        } finally {
            if (mounted) {
                io.watch2s3.support.Processes.run("umount", readOnly.toString());
            }
        }
    }

    @Test
    void aMistypedEnvironmentVariableGetsAWarningWithTheRightName() throws Exception {
        Files.createDirectories(dir.resolve("tree"));
        try (JavaProcess p = JavaProcess.start(dir.resolve("run"), List.of(), Map.of(
                "WATCH_DIR", dir.resolve("tree").toString(), "SYNC_PARALELISM", "4", "S3_BUCKET", "absent-bucket",
                "S3_ENDPOINT", s3.url(), "S3_PATH_STYLE", "true", "S3_ACCESS_KEY", "a", "S3_SECRET_KEY", "b",
                "STATE_DIR", dir.resolve("state").toString()))) {
            assertEquals(2, p.waitFor(60), p.stderr()); // the bucket is absent: it stops after the warning
            assertTrue(p.stderr().contains("SYNC_PARALELISM is not a setting and is ignored; did you mean"
                    + " SYNC_PARALLELISM?"), p.stderr());
        }
    }
}
