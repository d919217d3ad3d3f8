package io.watch2s3;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.failure.FailureKind;
import io.watch2s3.health.S3Health;
import io.watch2s3.support.AccessLogEntry;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.S3TestServer;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Nothing is lost when S3 or the process fails: files written while S3 is down or the bucket is missing land once it
 * is back, with one probe at a time meanwhile; after kill -9 mid-upload and after SIGTERM mid-burst (exit 0), the next
 * start finishes the job. Each test checks the final bucket content, not only the absence of errors.
 */
class NothingLostAcrossOutagesAndCrashesTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(5);

    @Test
    void filesCreatedWhileS3IsDownAllLandWhenItIsBack() throws Exception {
        Path ownServerDir = dir.resolve("own-s3");
        S3TestServer own = S3TestServer.start(ownServerDir);
        int port = own.port();
        own.createBucket(bucket);
        Map<String, String> settings = settings(Map.of("s3.endpoint", own.url()));
        Map<String, String> created = TreeFiles.numbered("during-outage", 500);
        try (TestApp app = TestApp.start(settings)) {
            own.close();
            TreeFiles.writeAll(tree, created);
            S3Health health = app.bean("s3Health", S3Health.class);
            // S3 stays down for 30 s; the files wait for it
            await().pollDelay(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(90)).until(health::isDown);
            long probesBefore = health.getFailures();
            own = S3TestServer.restart(ownServerDir, port);
            // no change and no scan brings them (rescan-interval=0): they come back by themselves
            awaitObjects(own, created);
            await().atMost(LONG).until(() -> !health.isDown());
            assertTrue(app.counters().getFailed(FailureKind.S3_UNAVAILABLE) > 0, app.counters().toString());
            assertTrue(probesBefore < 50, "one probe at a time while down, not every file: " + probesBefore);
        } finally {
            own.close();
        }
    }

    @Test
    void filesWaitWhileTheBucketIsMissingAndLandOnceItIsBack() throws Exception {
        try (TestApp app = TestApp.start(settings(Map.of()))) {
            s3.client().deleteBucket(b -> b.bucket(bucket));
            Map<String, String> waiting = TreeFiles.numbered("waiting", 10);
            TreeFiles.writeAll(tree, waiting);
            S3Health health = app.bean("s3Health", S3Health.class);
            await().atMost(LONG).until(() -> health.getBucketProblem() != null);
            assertTrue(health.getBucketProblem().contains("404 NoSuchBucket"), health.getBucketProblem());
            long failures = health.getFailures();
            s3.createBucket(bucket);
            awaitObjects(s3, waiting);
            assertEquals(null, health.getBucketProblem());
            assertTrue(health.getFailures() - failures <= 10, "one probe at a time, not a busy loop: "
                    + (health.getFailures() - failures));
            assertTrue(app.counters().getFailed(FailureKind.BUCKET_REFUSED) > 0, app.counters().toString());
        }
    }

    @Test
    void killedWithSigkillMidUploadItFinishesTheJobAfterARestart() throws Exception {
        Map<String, String> many = TreeFiles.numbered("many", 5000);
        TreeFiles.writeAll(tree, many);
        List<String> jvm = TestApp.asJvmOptions(settings(Map.of()));
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), jvm, Map.of())) {
            await().atMost(LONG).until(() -> s3.requests(bucket).stream().filter(AccessLogEntry::isPut).count() >= 500
                    || !first.isAlive());
            assertTrue(first.isAlive(), first.stderr());
            first.close(); // SIGKILL
            first.waitFor(30);
        }
        long putsBefore = s3.requests(bucket).stream().filter(AccessLogEntry::isPut).count();
        assertTrue(putsBefore < 5000, "killed before the end, after " + putsBefore + " PUTs");
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), jvm, Map.of())) {
            awaitObjects(s3, many);
            second.terminate();
            assertEquals(0, second.waitFor(60));
        }
    }

    @Test
    void sigtermDuringABurstExitsZeroAndTheNextStartCompletesTheWork() throws Exception {
        Map<String, String> burst = TreeFiles.numbered("burst", 2000);
        List<String> jvm = new java.util.ArrayList<>(TestApp.asJvmOptions(settings(Map.of())));
        jvm.add("-Dcamel.main.shutdown-timeout=10");
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), jvm, Map.of())) {
            await().atMost(LONG).until(() -> first.stderr().contains("watching "));
            TreeFiles.writeAll(tree, burst);
            await().atMost(LONG).until(() -> s3.requests(bucket).stream().anyMatch(AccessLogEntry::isPut));
            first.terminate();
            assertEquals(0, first.waitFor(10 + 30), "exit 0 within the shutdown timeout; stderr:\n" + first.stderr());
            // the files not begun are said to be left, not counted done (the line said 2000/2000 files, 100 %)
            String log = first.stderr();
            assertTrue(log.contains("stopping: the uploads under way finish"), log);
            assertTrue(log.matches("(?s).*batch \\d+ stopped: \\d+/\\d+ files \\(\\d+%\\), [^\n]*, [1-9]\\d* left for"
                    + " the next start, .*"), log);
            assertTrue(!log.matches("(?s).*batch \\d+ done: (\\d+)/\\1 files.*"), log);
        }
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), jvm, Map.of())) {
            awaitObjects(s3, burst);
            second.terminate();
            assertEquals(0, second.waitFor(60));
            assertTrue(second.stderr().lines().anyMatch(l -> l.contains(" INFO ") && l.endsWith(" stopped")),
                    "a stop says it is done: " + second.stderr());
        }
    }
}
