package io.watch2s3;

import static io.watch2s3.support.Files2.placeRandom;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.MeterRegistry;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.health.WatchHealthChecks;
import io.watch2s3.s3.UploadBandwidth;
import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TestCertificate;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * s3.bandwidth-limit: all of a pair's uploads together (PUTs and the parts of large files) send no more than the limit
 * per second, each byte counted once, through a proxy that can fail them. A slow upload under the limit is no stalled
 * backlog; an upload that fails or whose file changes while it crawls goes again, and the next change still arrives.
 */
class ThrottledUploadsTest extends ProxiedS3TestBase {

    private static final int MB = 1024 * 1024;

    /** A timetable whose entry for now (and the next three hours) is {@code rate}: the lookup by time runs too. */
    private static String timetableNow(String rate) {
        LocalTime now = LocalTime.now();
        DateTimeFormatter hhmm = DateTimeFormatter.ofPattern("HH:mm");
        return now.minusHours(3).format(hhmm) + "," + rate + " " + now.plusHours(3).format(hhmm) + ",off";
    }

    @Test
    void uploadsTogetherSendNoMoreThanTheLimitAndEachByteIsCountedOnce() throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("s3.bandwidth-limit", timetableNow("1MB"),
                "s3.part-size", "5MB"));
        try (TestApp app = startThroughProxy(settings)) {
            long start = System.nanoTime();
            byte[] small = placeRandom(tree, "small.css", 1000, 1);
            byte[] page = placeRandom(tree, "page.bin", MB, 2);
            byte[] film = placeRandom(tree, "video/film.mp4", 6 * MB + 1, 3); // two parts
            awaitBytes("small.css", small);
            awaitBytes("page.bin", page);
            awaitBytes("video/film.mp4", film);
            double seconds = (System.nanoTime() - start) / 1e9;

            // 7 MB at 1 MB/s, less the second's worth a quiet limiter lets go at once: at least 5 s (unlimited: ~1 s)
            assertTrue(seconds >= 5, "took " + seconds + " s");
            assertEquals(2, proxy.requests().stream().filter(r -> r.request().query().contains("partNumber=")).count());
            UploadBandwidth bandwidth = app.bean("uploadBandwidth", UploadBandwidth.class);
            // over plain HTTP the signer reads each body before it is sent; only the bytes sent count: the files' and
            // the few hundred of the XML that completes the multipart upload
            long beyondTheFiles = bandwidth.bytesTaken() - (small.length + page.length + film.length);
            assertTrue(beyondTheFiles > 0 && beyondTheFiles < 4096, "bytes beyond the files': " + beyondTheFiles);
            MeterRegistry registry = app.bean("metricsRegistry", MeterRegistry.class);
            assertEquals(MB, registry.get("watch2s3.upload.bandwidth.limit").tag("pair", "main").gauge().value());
            assertTrue(registry.get("watch2s3.upload.throttled").tag("pair", "main").functionCounter().count() > 1);
            // S3 holds the last object a moment before the state records it
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 3);
            aLaterChangeStillArrives();
        }
    }

    /** Before, a single file going up for longer than sync.stall-timeout turned the backlog check DOWN. */
    @Test
    void aFileGoingUpSlowlyUnderTheLimitIsNoStalledBacklog() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("s3.bandwidth-limit", "512KB", "sync.stall-timeout", "2s"))) {
            var backlog = app.bean("backlogHealth", WatchHealthChecks.Backlog.class);
            byte[] slow = placeRandom(tree, "slow.bin", 4 * MB, 4); // one PUT of about 7 s, nothing else finishing
            List<String> states = new ArrayList<>();
            await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> {
                var result = backlog.call();
                states.add(result.getState() + result.getMessage().map(m -> ": " + m).orElse(""));
                return s3.exists(bucket, "slow.bin");
            });
            awaitBytes("slow.bin", slow);
            assertTrue(states.size() > 20, "looked at through the upload: " + states);
            assertTrue(states.stream().allMatch(state -> state.startsWith("UP")), states.toString());
        }
    }

    @Test
    void aThrottledUploadWhoseConnectionDropsOrThatS3FailsGoesAgainAndTheNextChangeArrives() throws Exception {
        proxy.when(r -> r.isPut() && r.key().equals("dropped.bin")).times(1).dropConnection();
        proxy.when(r -> r.isPut() && r.key().equals("refused.bin")).times(1).respond(500, "InternalError");
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of("s3.bandwidth-limit", "2MB"))) {
            List<String> started = log.lines(Level.INFO, "SyncApplication");
            assertTrue(started.stream().anyMatch(line -> line.contains("16 uploads at once sending at most 2MB/s,"
                    + " state in")), started.toString());
            byte[] dropped = placeRandom(tree, "dropped.bin", 2 * MB, 5);
            byte[] refused = placeRandom(tree, "refused.bin", MB, 6);
            awaitBytes("dropped.bin", dropped);
            awaitBytes("refused.bin", refused);
            await().atMost(LONG).until(() -> putsOf("dropped.bin") == 2 && putsOf("refused.bin") == 2);
            assertEquals(List.of("main: uploads limited to 2MB per second"), log.lines(Level.INFO, "UploadBandwidth"));
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
        }
    }

    /**
     * The host's limit holds for the uploads of every pair that takes it, together, as one uplink's would; a pair that
     * sets its own limit has it for itself.
     */
    @Test
    void theHostsLimitHoldsForAllPairsTogetherAndAPairsOwnForItself() throws Exception {
        java.nio.file.Path docs = java.nio.file.Files.createDirectories(dir.resolve("docs"));
        java.nio.file.Path media = java.nio.file.Files.createDirectories(dir.resolve("media"));
        s3.createBucket(bucket + "-docs");
        s3.createBucket(bucket + "-media");
        Map<String, String> settings = settings(Map.of("s3.bandwidth-limit", "1MB"));
        settings.put("s3.endpoint", proxy.url());
        Map<String, Map<String, String>> pairs = Map.of(
                "docs", Map.of("watch.dir", docs.toString(), "s3.bucket", bucket + "-docs"),
                "media", Map.of("watch.dir", media.toString(), "s3.bucket", bucket + "-media",
                        "s3.bandwidth-limit", "4MB"));
        try (LogCapture log = new LogCapture(); TestApp app = TestApp.startWithPairs(settings, pairs)) {
            List<String> started = log.lines(Level.INFO, "SyncApplication");
            assertTrue(started.stream().anyMatch(line -> line.startsWith("pair docs: watching") && line.contains(
                    "16 uploads at once sending at most 1MB/s together with main, state in")), started.toString());
            assertTrue(started.stream().anyMatch(line -> line.startsWith("pair media: watching") && line.contains(
                    "16 uploads at once sending at most 4MB/s, state in")), started.toString());
            long start = System.nanoTime();
            byte[] page = placeRandom(tree, "page.bin", 4 * MB, 20);
            byte[] guide = placeRandom(docs, "guide.bin", 4 * MB, 21);
            awaitBytes("page.bin", page);
            await().atMost(LONG).until(() -> s3.exists(bucket + "-docs", "guide.bin")
                    && Arrays.equals(s3.get(bucket + "-docs", "guide.bin"), guide));
            double seconds = (System.nanoTime() - start) / 1e9;
            // 8 MB through one 1 MB/s limit, less the second's worth it lets go at once: 7 s (a limit per pair: 3 s)
            assertTrue(seconds >= 6, "took " + seconds + " s");
            assertTrue(log.lines(Level.INFO, "UploadBandwidth").contains(
                    "the pairs main, docs together: uploads limited to 1MB per second"),
                    log.lines(Level.INFO, "UploadBandwidth").toString());

            byte[] film = placeRandom(media, "film.bin", 4 * MB, 22);
            await().atMost(LONG).until(() -> s3.exists(bucket + "-media", "film.bin")
                    && Arrays.equals(s3.get(bucket + "-media", "film.bin"), film));
            assertTrue(log.lines(Level.INFO, "UploadBandwidth").contains("media: uploads limited to 4MB per second"),
                    log.lines(Level.INFO, "UploadBandwidth").toString());
            aLaterChangeStillArrives();
        }
    }

    /** Under a limit large files take long, and a deploy may cut one short while it goes: what it holds then arrives. */
    @Test
    void aFileCutShortWhileItsThrottledUploadCrawlsEndsWithWhatItHoldsNow() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("s3.bandwidth-limit", "256KB"))) {
            byte[] first = placeRandom(tree, "crawling.bin", 3 * MB, 7); // about 12 s at 256KB/s
            UploadBandwidth bandwidth = app.bean("uploadBandwidth", UploadBandwidth.class);
            await().atMost(LONG).until(() -> bandwidth.bytesTaken() > 512 * 1024);
            try (FileChannel channel = FileChannel.open(tree.resolve("crawling.bin"), StandardOpenOption.WRITE)) {
                channel.truncate(MB); // shorter than the length its upload announced
            }
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.CHANGED_WHILE_UPLOADING) == 1);
            awaitBytes("crawling.bin", Arrays.copyOf(first, MB));
            aLaterChangeStillArrives();
        }
    }

    /**
     * Rewritten in place, same size: the body no longer matches the checksums sent with it. S3 says BadDigest; S3Mock
     * says 400 BadRequest, which alone would mean "refused": since the file changed meanwhile, it is looked at again.
     */
    @Test
    void aFileRewrittenInPlaceWhileItsThrottledUploadCrawlsIsLookedAtAgainNotRefused() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("s3.bandwidth-limit", "256KB"))) {
            byte[] first = placeRandom(tree, "rewritten.bin", 2 * MB, 8);
            UploadBandwidth bandwidth = app.bean("uploadBandwidth", UploadBandwidth.class);
            await().atMost(LONG).until(() -> bandwidth.bytesTaken() > 256 * 1024);
            byte[] second = first.clone();
            Arrays.fill(second, MB, 2 * MB, (byte) 7);
            try (FileChannel channel = FileChannel.open(tree.resolve("rewritten.bin"), StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(second, MB, MB), MB); // its second half, not yet sent
            }
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.CHANGED_WHILE_UPLOADING) == 1);
            awaitBytes("rewritten.bin", second);
            assertEquals(0, app.counters().getFailed(FailureKind.REFUSED_BY_S3));
            aLaterChangeStillArrives();
        }
    }

    /** Rewritten, then deleted, while its upload crawls: S3's 400 finds no file to look at, which still means "changed". */
    @Test
    void aFileRewrittenThenDeletedWhileItsThrottledUploadCrawlsIsNotCountedRefused() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("s3.bandwidth-limit", "256KB"))) {
            placeRandom(tree, "gone.bin", 2 * MB, 12);
            UploadBandwidth bandwidth = app.bean("uploadBandwidth", UploadBandwidth.class);
            await().atMost(LONG).until(() -> bandwidth.bytesTaken() > 256 * 1024);
            try (FileChannel channel = FileChannel.open(tree.resolve("gone.bin"), StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(new byte[MB]), MB); // the upload goes on reading the open file
            }
            java.nio.file.Files.delete(tree.resolve("gone.bin"));
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.CHANGED_WHILE_UPLOADING) == 1);
            assertEquals(0, app.counters().getFailed(FailureKind.REFUSED_BY_S3));
            assertTrue(!s3.exists(bucket, "gone.bin"), "S3 took no body that misses its checksum");
            aLaterChangeStillArrives();
        }
    }

    /**
     * A stop (SIGTERM) while a throttled upload would need longer than the stop's grace period (20 s): the limit no
     * longer holds it back, it ends in time, and the process exits 0 without Camel forcing its routes down. Before, the
     * upload was cut off (and sent again, whole, by the next start).
     */
    @Test
    void aStopLetsAThrottledUploadEndWithinTheGracePeriod() throws Exception {
        List<String> jvm = TestApp.asJvmOptions(settings(Map.of("s3.endpoint", proxy.url(),
                "s3.bandwidth-limit", "64KB")));
        try (JavaProcess watching = JavaProcess.start(dir.resolve("run"), jvm, Map.of())) {
            await().atMost(LONG).until(() -> watching.stderr().contains("catch-up scan:"));
            byte[] slow = placeRandom(tree, "slow.bin", 2 * MB, 11); // 32 s at 64KB/s
            await().atMost(LONG).until(() -> proxy.isInFlight("slow.bin"));
            watching.terminate();
            assertEquals(0, watching.waitFor(120), watching.stderr());
            assertTrue(!watching.stderr().contains("Forcing the routes"), watching.stderr());
            assertArrayEquals(slow, s3.get(bucket, "slow.bin"));
        }
        try (TestApp again = startThroughProxy(Map.of("s3.bandwidth-limit", "64KB"))) {
            aLaterChangeStillArrives();
        }
    }

    /**
     * A `--once` run whose upload outlasts the 45 s the state database keeps its old chunks: what it confirmed is on the
     * disk when it exits 0, and the next run sends nothing. With H2 2.3.232 the compaction at close dropped it
     * (h2database/h2database#4247) and the next run sent the file again; StopAfterALongTurnTest shows that on the
     * database alone, this one through the app, so that a database upgrade that brings it back fails here too.
     */
    @Test
    void aOnceRunWhoseUploadOutlastsTheDatabasesCheckpointLeavesNothingForTheNextRun() throws Exception {
        placeRandom(tree, "index.html", 1000, 13);
        byte[] film = placeRandom(tree, "video/film.mp4", 4 * MB, 14); // a minute at 64KB/s
        List<String> jvm = TestApp.asJvmOptions(settings(Map.of("s3.endpoint", proxy.url(),
                "s3.bandwidth-limit", "64KB")));
        try (JavaProcess once = JavaProcess.start(dir.resolve("run1"), jvm, Map.of(), "--once")) {
            assertEquals(0, once.waitFor(300), once.stderr());
            assertTrue(once.stderr().contains("done: uploaded=2 "), once.stderr());
        }
        assertArrayEquals(film, s3.get(bucket, "video/film.mp4"));
        long puts = proxy.requests().stream().filter(seen -> seen.request().isPut()).count();
        try (JavaProcess again = JavaProcess.start(dir.resolve("run2"), jvm, Map.of(), "--once")) {
            assertEquals(0, again.waitFor(300), again.stderr());
            assertTrue(again.stderr().contains("done: uploaded=0 "), again.stderr());
            assertTrue(!again.stderr().contains("had not been confirmed"), again.stderr());
        }
        assertEquals(puts, proxy.requests().stream().filter(seen -> seen.request().isPut()).count());
    }

    /**
     * Over HTTPS, as to AWS (a TLS proxy in front of the test's S3): the bytes go through TLS under the limit, and a
     * PUT and a file in parts arrive whole with the checksums S3 checks.
     */
    @Test
    void overHttpsAPutAndAFileInPartsGoUpUnderTheLimitAndArriveWhole() throws Exception {
        TestCertificate certificate = TestCertificate.make(dir.resolve("tls"));
        try (FaultyS3Proxy tls = FaultyS3Proxy.start(s3.url(), certificate.serverContext())) {
            byte[] page = placeRandom(tree, "page.bin", MB, 9);
            byte[] film = placeRandom(tree, "video/film.mp4", 6 * MB + 1, 10); // two parts
            List<String> jvm = new ArrayList<>(certificate.trustedBy());
            jvm.addAll(TestApp.asJvmOptions(settings(Map.of("s3.endpoint", tls.url(), "s3.bandwidth-limit", "1MB",
                    "s3.part-size", "5MB"))));
            long start = System.nanoTime();
            try (JavaProcess once = JavaProcess.start(dir.resolve("run"), jvm, Map.of(), "--once")) {
                assertEquals(0, once.waitFor(300), once.stderr());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertArrayEquals(page, s3.get(bucket, "page.bin"));
            assertArrayEquals(film, s3.get(bucket, "video/film.mp4"));
            // 7 MB at 1 MB/s, less the second's worth a quiet limiter lets go at once
            assertTrue(seconds >= 5, "took " + seconds + " s");
            var puts = tls.requests().stream().filter(seen -> seen.request().isPut()).toList();
            assertEquals(3, puts.size(), puts.toString());
            // the PUT carries the state's SHA-256; over HTTPS each part its CRC32 in a trailer after the body (the
            // stream the signer opens is the one sent, and still goes under the limit)
            assertTrue(puts.stream().allMatch(seen -> seen.request().query().contains("partNumber=")
                    ? "x-amz-checksum-crc32".equals(seen.amzHeaders().get("x-amz-trailer"))
                    : seen.amzHeaders().containsKey("x-amz-checksum-sha256")), puts.toString());
        }
    }
}
