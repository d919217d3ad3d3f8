package io.watch2s3;

import static io.watch2s3.support.Files2.placeWhole;
import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.support.AccessLogEntry;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/** Operating it: health and metrics over HTTP, --once and --dry-run, key typos, progress, secrets kept out of logs. */
class OperateTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(3);
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of a metric, summed over its labels (watch2s3_files_failed_total has one series per cause). */
    private static double metric(String prometheusText, String name) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE)
                .matcher(prometheusText);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            found = true;
            sum += Double.parseDouble(m.group(2));
        }
        assertTrue(found, name + " in\n" + prometheusText);
        return sum;
    }

    @Test
    void healthTurnsDownWhileTheBucketIsGoneAndMetricsCountTheFilesSynced() throws Exception {
        int port = freePort();
        try (TestApp app = start(Map.of("management.port", Integer.toString(port)))) {
            // one event per file: a plain write's MODIFY after its CREATE can fall into a second batch, whose paths
            // count in the backlog until its quiet period ends (CI once read the backlog at 0, then at 2)
            placeWhole(tree, "a.txt", "a");
            placeWhole(tree, "b.txt", "bb");
            placeWhole(tree, "c.txt", "ccc");
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 3);
            await().atMost(LONG).until(() -> metric(get(port, "/observe/metrics").body(), "watch2s3_backlog") == 0.0);

            String metrics = get(port, "/observe/metrics").body();
            assertEquals(3.0, metric(metrics, "watch2s3_files_uploaded_total"));
            assertEquals(6.0, metric(metrics, "watch2s3_bytes_uploaded_bytes_total"));
            assertEquals(0.0, metric(metrics, "watch2s3_files_failed_total"));
            assertEquals(3.0, metric(metrics, "watch2s3_sync_latency_seconds_count"));
            assertEquals(0.0, metric(metrics, "watch2s3_backlog"));
            assertTrue(metrics.contains("watch2s3_files_uploaded_total{pair=\"main\"} 3.0"), "tagged with the pair");
            HttpResponse<String> health = get(port, "/observe/health");
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().startsWith("{\"status\":\"UP\""), health.body());

            for (String key : s3.keys(bucket)) {
                s3.client().deleteObject(b -> b.bucket(bucket).key(key));
            }
            s3.client().deleteBucket(b -> b.bucket(bucket));
            write(tree, "d.txt", "while the bucket is gone");
            await().atMost(LONG).until(() -> get(port, "/observe/health").statusCode() == 503);
            String down = get(port, "/observe/health").body();
            assertTrue(down.contains("\"name\":\"main-bucket\",\"status\":\"DOWN\""), down); // the pair main's check
            assertTrue(down.contains("NoSuchBucket"), down);

            s3.createBucket(bucket);
            await().atMost(LONG).until(() -> s3.exists(bucket, "d.txt"));
            await().atMost(LONG).until(() -> get(port, "/observe/health").statusCode() == 200);
            assertEquals(4.0, metric(get(port, "/observe/metrics").body(), "watch2s3_files_uploaded_total"));
        }
    }

    @Test
    void theBacklogCountsThePathsThatWaitForTheQuietPeriod() throws Exception {
        int port = freePort();
        // a long quiet period: the three paths sit in the open batch, not yet planned, for 6 s after the last event
        try (TestApp app = start(Map.of("management.port", Integer.toString(port), "sync.quiet-period", "6s"))) {
            // after the start's scan: one that found them would close their batch at once
            CatchUpScan scan = app.bean("catchUpScan", CatchUpScan.class);
            await().atMost(LONG).until(scan::isSettled);
            write(tree, "a.txt", "a");
            write(tree, "b.txt", "b");
            write(tree, "c.txt", "c");
            await().atMost(LONG).until(() -> metric(get(port, "/observe/metrics").body(), "watch2s3_backlog") == 3.0);
            assertEquals(0, app.counters().getUploaded(), "counted while they waited, before any upload");
            assertEquals(0, app.counters().getBacklog(), "the stall check does not count the open batch");

            await().atMost(LONG).until(() -> app.counters().getUploaded() == 3);
            await().atMost(LONG).until(() -> metric(get(port, "/observe/metrics").body(), "watch2s3_backlog") == 0.0);
            assertEquals(0.0, app.counters().getBacklogGauge());
        }
    }

    private JavaProcess run(Map<String, String> overrides, String... args) throws Exception {
        List<String> jvm = TestApp.asJvmOptions(settings(overrides));
        return JavaProcess.start(dir.resolve("runs"), jvm, Map.of(), args);
    }

    private Map<String, String> rows() {
        StateDatabase db = new StateDatabase();
        db.setDirectory(state.toString());
        db.start();
        try {
            Map<String, String> rows = new TreeMap<>();
            for (String name : List.of("keep.txt", "change.txt", "remove.txt", "add.txt")) {
                db.find(name).map(SyncedFile::sha256).ifPresent(sha -> rows.put(name, sha));
            }
            return rows;
        } finally {
            db.stop();
        }
    }

    private Map<String, String> bucketContent() {
        Map<String, String> content = new TreeMap<>();
        for (String key : s3.keys(bucket)) {
            content.put(key, s3.getText(bucket, key));
        }
        return content;
    }

    @Test
    void onceSyncsAndExitsAndDryRunChangesNeitherTheBucketNorTheState() throws Exception {
        Map<String, String> deletesOn = Map.of("sync.deletes", "true");
        write(tree, "keep.txt", "keep");
        write(tree, "change.txt", "v1");
        write(tree, "remove.txt", "remove me");
        try (JavaProcess once = run(deletesOn, "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
        }
        Map<String, String> bucketBefore = bucketContent();
        assertEquals(Map.of("keep.txt", "keep", "change.txt", "v1", "remove.txt", "remove me"), bucketBefore);
        Map<String, String> stateBefore = rows();
        assertEquals(3, stateBefore.size());

        write(tree, "change.txt", "v2");
        write(tree, "add.txt", "added");
        Files.delete(tree.resolve("remove.txt"));
        int requestsBefore = s3.requests(bucket).size();
        try (JavaProcess dry = run(deletesOn, "--dry-run")) {
            assertEquals(0, dry.waitFor(120), dry.stderr());
            assertTrue(dry.stderr().contains("dry run: would upload change.txt"), dry.stderr());
            assertTrue(dry.stderr().contains("dry run: would upload add.txt"), dry.stderr());
            assertTrue(dry.stderr().contains("dry run: would delete remove.txt"), dry.stderr());
            assertTrue(dry.stderr().contains("done (dry run: nothing was sent; what a real run would do): uploaded=2"
                    + " deleted=1"), dry.stderr());
        }
        assertEquals(bucketBefore, bucketContent(), "bucket unchanged after a dry run");
        List<AccessLogEntry> all = s3.requests(bucket);
        assertTrue(all.subList(requestsBefore, all.size()).stream().noneMatch(r -> r.isPut() || r.isDelete()),
                "no PUT or DELETE");
        assertEquals(stateBefore, rows(), "state unchanged after a dry run");

        try (JavaProcess once = run(deletesOn, "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
        }
        assertEquals(Map.of("keep.txt", "keep", "change.txt", "v2", "add.txt", "added"), bucketContent());
    }

    /** A dry run changes nothing in S3, not even a bucket that s3.create-bucket would create (outside probe). */
    @Test
    void aDryRunDoesNotCreateTheBucket() throws Exception {
        String missing = bucket + "-not-yet";
        write(tree, "index.html", "home");
        try (JavaProcess dry = run(Map.of("s3.bucket", missing, "s3.create-bucket", "true"), "--dry-run")) {
            assertEquals(0, dry.waitFor(120), dry.stderr());
            assertTrue(dry.stderr().contains("dry run: bucket " + missing + " does not exist at " + s3.url()
                    + "; a run that is no dry run creates it (s3.create-bucket=true)"), dry.stderr());
            assertTrue(dry.stderr().contains("dry run: would upload index.html"), dry.stderr());
        }
        assertThrows(NoSuchBucketException.class, () -> s3.client().headBucket(b -> b.bucket(missing)));
        try (JavaProcess once = run(Map.of("s3.bucket", missing, "s3.create-bucket", "true"), "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
        }
        assertEquals("home", s3.getText(missing, "index.html"));
    }

    /** The command line runs more pairs when its route files add them: each to its bucket, --once waits for all. */
    @Test
    void aSecondPairInTheRouteFilesIsSyncedBesideTheFirst() throws Exception {
        String docsBucket = bucket + "-docs";
        Path docs = secondTree(docsBucket);
        Path routes = Files.createDirectories(dir.resolve("runs/routes"));
        Files.copy(Path.of("routes/watch-to-s3.yaml"), routes.resolve("watch-to-s3.yaml"));
        Files.writeString(routes.resolve("pairs.yaml"), TestApp.pairYaml("docs", Map.of(
                "watch.dir", docs.toString(), "s3.bucket", docsBucket, "state.dir", dir.resolve("docs-state").toString())));
        try (JavaProcess once = run(Map.of(), "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
            assertTrue(once.stderr().contains("pair docs: syncing once " + docs), once.stderr());
            assertTrue(once.stderr().contains("pair main: done: uploaded=1"), once.stderr());
            // each per-file line names the route, and so the pair, that wrote it
            assertTrue(once.stderr().contains(" main-sync-file: uploaded index.html"), once.stderr());
            assertTrue(once.stderr().contains(" docs-sync-file: uploaded guide.md"), once.stderr());
        }
        assertEquals(List.of("index.html"), s3.keys(bucket));
        assertEquals(List.of("guide.md"), s3.keys(docsBucket));
    }

    /**
     * Pairs from settings, without a route file: pair.docs.* as -D (a properties file works the same). The pair's own
     * state lands under main's state.dir.
     */
    @Test
    void aSecondPairFromPairSettingsIsSyncedBesideTheFirst() throws Exception {
        String docsBucket = bucket + "-docs";
        Path docs = secondTree(docsBucket);
        try (JavaProcess once = run(Map.of("pair.docs.watch.dir", docs.toString(), "pair.docs.s3.bucket", docsBucket),
                "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
            assertTrue(once.stderr().contains("pair docs: syncing once " + docs), once.stderr());
            assertTrue(once.stderr().contains(" docs-sync-file: uploaded guide.md"), once.stderr());
        }
        assertEquals(List.of("index.html"), s3.keys(bucket));
        assertEquals(List.of("guide.md"), s3.keys(docsBucket));
        assertTrue(Files.isDirectory(state.resolve("pairs/docs")), "the pair's state is its own, under main's");
    }

    /**
     * The README's recipe for a symlinked directory (a Capistrano {@code shared/} link): main does not follow it and
     * says so; a pair for its target with the link's path as prefix syncs it, live, into the same bucket.
     */
    @Test
    void aSymlinkedDirectoryIsSyncedByAPairOfItsTargetUnderTheLinksPath() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared/uploads"));
        write(shared, "a.jpg", "first");
        write(tree, "public/index.html", "home");
        Files.createSymbolicLink(tree.resolve("public/uploads"), shared);
        try (JavaProcess watching = run(Map.of("sync.deletes", "true", "sync.quiet-period", "500ms",
                "pair.uploads.watch.dir", shared.toString(), "pair.uploads.s3.prefix", "public/uploads/"))) {
            await().atMost(LONG).until(() -> s3.keys(bucket).containsAll(List.of("public/index.html",
                    "public/uploads/a.jpg")));
            write(shared, "b.jpg", "second");
            Files.delete(shared.resolve("a.jpg"));
            await().atMost(LONG).until(() -> s3.keys(bucket).equals(List.of("public/index.html",
                    "public/uploads/b.jpg")));
            assertEquals("second", s3.getText(bucket, "public/uploads/b.jpg"));
            assertTrue(watching.stderr().contains("1 symlink not followed (sync.follow-symlinks=false): public/uploads -> "
                    + shared), watching.stderr());
            assertFalse(watching.stderr().contains("inside pair"), "main has no directory there: " + watching.stderr());
        }
    }

    /**
     * A pair that sets neither bucket nor prefix would write main's keys: each would overwrite the other's objects and,
     * with deletes on, delete them (found by an outside probe: a file still in main's tree lost its object for good).
     * A prefix inside main's is allowed, with a warning only while main's tree has that directory and does not
     * exclude it.
     */
    @Test
    void twoPairsMayNotWriteTheSameKeysAndAPrefixInsideAnotherPairsIsWarnedAbout() throws Exception {
        Path docs = secondTree(bucket + "-unused");
        try (JavaProcess p = run(Map.of("pair.docs.watch.dir", docs.toString()), "--once")) {
            assertEquals(2, p.waitFor(60), p.stderr());
            assertTrue(p.stderr().contains("watch2s3: s3.prefix: pairs main and docs both write to s3://" + bucket
                    + "/ and would overwrite and delete each other's objects; give each pair a bucket or an s3.prefix"
                    + " of its own"), p.stderr());
        }
        assertEquals(List.of(), s3.keys(bucket), "nothing was sent");

        Files.createDirectories(tree.resolve("docs"));
        String warning = "pair docs writes to s3://" + bucket + "/docs/, inside pair main's s3://" + bucket + "/, and"
                + " main's tree has a directory docs: its files would be the same objects as docs's; keep main out of"
                + " it (sync.exclude = docs/**)";
        try (JavaProcess p = run(Map.of("pair.docs.watch.dir", docs.toString(), "pair.docs.s3.prefix", "docs/"),
                "--once")) {
            assertEquals(0, p.waitFor(120), p.stderr());
            assertTrue(p.stderr().contains(warning), p.stderr());
        }
        assertEquals(List.of("docs/guide.md", "index.html"), s3.keys(bucket));
        try (JavaProcess p = run(Map.of("pair.docs.watch.dir", docs.toString(), "pair.docs.s3.prefix", "docs/",
                "sync.exclude", "docs/**"), "--once")) {
            assertEquals(0, p.waitFor(120), p.stderr());
            assertFalse(p.stderr().contains("inside pair"), p.stderr());
        }
    }

    @Test
    void aMistypedPairKeyStopsTheStartWithTheKeyMeant() throws Exception {
        Path props = Files.writeString(dir.resolve("pairs.properties"), """
                pair.docs.watch.dir = %s
                pair.docs.s3.buckt = docs
                """.formatted(dir.resolve("docs")));
        try (JavaProcess p = run(Map.of(), "--properties", props.toString())) {
            assertEquals(2, p.waitFor(60), p.stderr());
            assertTrue(p.stderr().contains("watch2s3: s3.buckt: is no parameter of the pair docs; did you mean"
                    + " s3.bucket?"), p.stderr());
        }
        try (JavaProcess p = run(Map.of("pair.docs", "x"))) {
            assertEquals(2, p.waitFor(60), p.stderr());
            assertTrue(p.stderr().contains("watch2s3: pair.docs: a pair's key is pair.<name>.<key>, e.g."
                    + " pair.docs.watch.dir"), p.stderr());
        }
        // a pair's value that cannot be used is named with the pair, not taken for main's
        try (JavaProcess p = run(Map.of("pair.docs.watch.dir", dir.resolve("no such dir").toString(),
                "pair.docs.s3.bucket", "docs"))) {
            assertEquals(2, p.waitFor(60), p.stderr());
            assertTrue(p.stderr().contains("watch2s3: pair docs: watch.dir: "), p.stderr());
        }
        try (JavaProcess p = run(Map.of("pair.docs.watch.dir", tree.toString(), "pair.docs.management.port", "9"))) {
            assertEquals(2, p.waitFor(60), p.stderr());
            assertTrue(p.stderr().contains("watch2s3: management.port: is shared by every pair (one HTTP port, one"
                    + " log) and no parameter of the pair docs; set it once for all of them"), p.stderr());
        }
    }

    /** A second tree with one file and its bucket; main's tree gets a file too. */
    private Path secondTree(String docsBucket) throws Exception {
        s3.createBucket(docsBucket);
        Path docs = Files.createDirectories(dir.resolve("docs"));
        write(tree, "index.html", "site");
        write(docs, "guide.md", "docs");
        return docs;
    }

    @Test
    void onceExitsOneWhenAFileCouldNotBeSynced() throws Exception {
        String segment = "y".repeat(250);
        write(tree, String.join("/", segment, segment, segment, segment, segment + ".txt"), "name too long for S3");
        write(tree, "fine.txt", "fine");
        try (JavaProcess once = run(Map.of(), "--once")) {
            assertEquals(1, once.waitFor(120), once.stderr());
        }
        assertEquals(List.of("fine.txt"), s3.keys(bucket));
    }

    @Test
    void aMistypedKeyIsNamedWithTheClosestKnownOne() throws Exception {
        try (JavaProcess p = run(Map.of("s3.buckt", "x"))) {
            assertEquals(2, p.waitFor(60));
            assertTrue(p.stderr().contains("watch2s3: s3.buckt: unknown key (in -D); did you mean s3.bucket?"),
                    p.stderr());
        }
        Path props = Files.writeString(dir.resolve("typo.properties"), "sync.paralelism = 4\n");
        try (JavaProcess p = run(Map.of(), "--properties", props.toString())) {
            assertEquals(2, p.waitFor(60));
            assertTrue(p.stderr().contains("did you mean sync.parallelism?"), p.stderr());
        }
    }

    @Test
    void aLargeCatchUpLogsProgressWithARateAndAnEta() throws Exception {
        for (int i = 0; i < 2000; i++) {
            write(tree, "d" + (i % 20) + "/f" + i + ".txt", "file " + i);
        }
        try (JavaProcess once = run(Map.of("sync.progress-interval", "1s"), "--once")) {
            assertEquals(0, once.waitFor(300), once.stderr());
            List<String> progress = once.stderr().lines().filter(l -> l.contains("progress of batch ")).toList();
            assertFalse(progress.isEmpty(), once.stderr());
            assertTrue(progress.stream().allMatch(l -> l.matches(
                    ".*progress of batch \\d+: \\d+/2000 files .* files/s, .* MB/s, \\d+ unchanged, \\d+ failed, ETA .*")),
                    String.join("\n", progress));
            assertTrue(once.stderr().lines().anyMatch(l -> l.matches(".*batch \\d+ done: 2000/2000 files.*")),
                    once.stderr());
        }
        assertEquals(2000, s3.keys(bucket).size());
        // a chmod -R moves every ctime: the next run reads each file once, sends none, and its line says so
        try (var files = Files.walk(tree)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
            }
        }
        try (JavaProcess again = run(Map.of(), "--once")) {
            assertEquals(0, again.waitFor(300), again.stderr());
            assertTrue(again.stderr().lines().anyMatch(l -> l.matches(".*batch \\d+ done: 2000/2000 files.*")
                    && l.contains(", 2000 unchanged, 0 failed")), again.stderr());
            assertFalse(again.stderr().contains("uploaded "), "nothing sent again");
        }
    }

    @Test
    void theSecretKeyNeverAppearsInAnyLogLine() throws Exception {
        String secret = "S3CR3T-never-in-a-log-8d1f";
        write(tree, "a.txt", "a");
        Map<String, String> withSecret = Map.of("s3.access-key", "visible-access-key", "s3.secret-key", secret);
        List<String> outputs = new ArrayList<>();
        try (JavaProcess once = JavaProcess.start(dir.resolve("runs"), TestApp.asJvmOptions(settings(withSecret)),
                Map.of("WATCH2S3_LOG_LEVEL", "DEBUG"), "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
            outputs.add(once.stdout() + once.stderr());
        }
        Map<String, String> missingBucket = new java.util.HashMap<>(withSecret);
        missingBucket.put("s3.bucket", "no-such-bucket");
        try (JavaProcess failing = run(missingBucket)) {
            assertEquals(2, failing.waitFor(60));
            outputs.add(failing.stdout() + failing.stderr());
        }
        // a logging configuration of the user's own with all of Camel at TRACE (its placeholder parser prints every
        // value it resolves, unmasked)
        Path logback = Files.writeString(dir.resolve("user-logback.xml"), """
                <configuration>
                  <appender name="err" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%level %logger %msg%n</pattern></encoder>
                  </appender>
                  <logger name="org.apache.camel" level="TRACE"/>
                  <root level="DEBUG"><appender-ref ref="err"/></root>
                </configuration>
                """);
        List<String> jvm = new ArrayList<>(TestApp.asJvmOptions(settings(withSecret)));
        jvm.add("-Dlogback.configurationFile=" + logback);
        try (JavaProcess once = JavaProcess.start(dir.resolve("runs"), jvm, Map.of(), "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
            assertTrue(once.stderr().contains("DEBUG org.apache.camel."), "Camel's DEBUG lines are there");
            outputs.add(once.stdout() + once.stderr());
        }
        for (String output : outputs) {
            assertFalse(output.contains(secret), "the secret key was logged:\n" + output.lines()
                    .filter(line -> line.contains(secret)).limit(5).toList());
            assertFalse(output.isBlank());
        }
    }

    @Test
    void logsCanBeJsonForLogShippers() throws Exception {
        write(tree, "a.txt", "a");
        try (JavaProcess once = run(Map.of("log.format", "json"), "--once")) {
            assertEquals(0, once.waitFor(120), once.stderr());
            List<String> lines = once.stderr().lines().filter(l -> !l.isBlank()).toList();
            assertFalse(lines.isEmpty());
            assertTrue(lines.stream().allMatch(l -> l.startsWith("{") && l.endsWith("}")), once.stderr());
            assertTrue(once.stderr().contains("\"formattedMessage\":\"uploaded a.txt (1 bytes)\""), once.stderr());
        }
    }
}
