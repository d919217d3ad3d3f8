package io.watch2s3;

import static io.watch2s3.support.Files2.placeWhole;
import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.health.S3Health;
import io.watch2s3.support.FaultyS3Proxy.Fault;
import io.watch2s3.support.FaultyS3Proxy.Hold;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;

/**
 * A key the server fails with a 5xx every time, while it stores every other key: S3Proxy's filesystem backend does
 * that for a file where a directory's objects still are. Such a key must not hold up the other files: it waits by
 * itself, and new files are not queued behind it.
 */
class KeyThatAlwaysFailsTest extends ProxiedS3TestBase {

    private Fault failBadTxtForGood() {
        return proxy.when(r -> r.isPut() && r.key().equals("bad.txt")).respond(500, "InternalError");
    }

    @Test
    void whileOtherFilesGoThroughTheKeyWaitsByItselfAndS3DoesNotCountAsDown() throws Exception {
        Fault bad = failBadTxtForGood();
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of())) {
            placeWhole(tree, "bad.txt", "the server fails this key"); // one event: one turn
            await().atMost(LONG).until(() -> bad.matches() >= 1);
            // while bad.txt is retried (0.5 s, 1, 2, 4, 8), other files are written and go through
            for (int i = 0; i < 5; i++) {
                write(tree, "good/g" + i + ".txt", "good " + i);
            }
            for (int i = 0; i < 5; i++) {
                awaitObject("good/g" + i + ".txt", "good " + i);
            }
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.KEY_FAILS) >= 1);
            assertEquals(6, bad.matches(), "sent once and retried sync.max-retries (5) times");
            assertEquals(0, app.counters().getFailed(FailureKind.S3_UNAVAILABLE),
                    "counted as the key's failure, not as an outage: " + app.counters());

            S3Health health = app.bean("s3Health", S3Health.class);
            assertFalse(health.isDown(), "S3 confirmed other requests meanwhile: only this key fails");
            assertTrue(log.lines(Level.ERROR, "S3Health").isEmpty(), log.atLeast(Level.WARN).toString());
            assertTrue(log.lines(Level.INFO, "sync").stream().noneMatch(l -> l.startsWith("bad.txt waits")),
                    "the WARN below says it, once: " + log.atLeast(Level.INFO));
            assertTrue(log.lines(Level.WARN, "S3Health").stream().anyMatch(l -> l.startsWith("S3 fails bad.txt (HTTP 500")
                    && l.contains("a problem of that key, not an outage")), log.atLeast(Level.WARN).toString());
            aLaterChangeStillArrives();
            assertFalse(s3.exists(bucket, "bad.txt"));
        }
    }

    /**
     * A flaky link: a file's requests get no answer at all until it is given up, while other files go through. That
     * says nothing about its key (an outside probe with 30 % of answers dropped saw 15 files put on the key's back-off,
     * which grows to an hour): it is tried again within 30 s like any file that waited for S3.
     */
    @Test
    void aFileWhoseRequestsGotNoAnswerWhileOthersWentThroughIsNotTakenForAFailingKey() throws Exception {
        Fault lost = proxy.when(r -> r.isPut() && r.key().equals("unlucky.txt")).times(6).dropConnection();
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of())) {
            placeWhole(tree, "unlucky.txt", "its first six requests are lost");
            await().atMost(LONG).until(() -> lost.matches() >= 1);
            for (int i = 0; i < 5; i++) {
                write(tree, "good/g" + i + ".txt", "good " + i);
            }
            for (int i = 0; i < 5; i++) {
                awaitObject("good/g" + i + ".txt", "good " + i);
            }
            awaitObject("unlucky.txt", "its first six requests are lost");
            assertEquals(6, lost.matches(), "sent once and retried sync.max-retries (5) times, then again later");
            assertEquals(0, app.counters().getFailed(FailureKind.KEY_FAILS), app.counters().toString());
            assertFalse(app.bean("s3Health", S3Health.class).isDown());
            assertTrue(log.atLeast(Level.WARN).stream().noneMatch(l -> l.contains("a problem of that key")),
                    log.atLeast(Level.WARN).toString());
            assertTrue(log.lines(Level.WARN, "S3Health").stream().anyMatch(l -> l.contains("loses requests")),
                    log.atLeast(Level.WARN).toString());
        }
    }

    /** HeadBucket requests that reached the proxy. */
    private long headBuckets() {
        return proxy.requests().stream()
                .filter(r -> r.request().method().equals("HEAD") && r.request().key().isEmpty()).count();
    }

    /** PUTs the proxy answered before the first HeadBucket, and after it. */
    private long[] putsBeforeAndAfterTheHeadBucket() {
        var seen = proxy.requests();
        int head = 0;
        while (head < seen.size() && !(seen.get(head).request().method().equals("HEAD")
                && seen.get(head).request().key().isEmpty())) {
            head++;
        }
        return new long[] {seen.subList(0, head).stream().filter(r -> r.request().isPut()).count(),
                seen.subList(Math.min(head + 1, seen.size()), seen.size()).stream()
                        .filter(r -> r.request().isPut()).count()};
    }

    @Test
    void whenOnlyFailingKeysWaitTheBucketIsAskedAndOnceItAnswersS3IsUpAndTheKeysWaitByThemselves() throws Exception {
        // the outside probe's case: S3Proxy answers 500 for a few keys and stores everything else
        // the first try of each is held until all five are under way, then all fail at once: S3 counts as down;
        // no retry (one could go as the probe)
        Hold together = proxy.when(r -> r.isPut() && r.key().startsWith("bad")).times(5).holdBeforeBody();
        proxy.when(r -> r.isPut() && r.key().startsWith("bad")).respond(500, "InternalError");
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of("sync.max-retries", "0"))) {
            S3Health health = app.bean("s3Health", S3Health.class);
            HealthCheck s3Answers = app.bean("s3Answers", HealthCheck.class);
            proxy.clearRequests(); // the start's own HeadBucket
            for (int i = 1; i <= 5; i++) { // sent side by side: two fail only once S3 counts as down
                write(tree, "bad" + i + ".txt", "the server fails this key");
            }
            await().atMost(LONG).until(() -> together.arrivals().size() == 5);
            together.release();
            // nothing else is sent: for all watch2s3 can tell, S3 is down; sending these keys again would say nothing
            await().atMost(LONG).until(() -> headBuckets() == 1);
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.KEY_FAILS) == 5);

            assertFalse(health.isDown(), "the bucket answered: S3 is up, and only these keys fail");
            assertEquals(HealthCheck.State.UP, s3Answers.call().getState());
            // the outside probe's log said "ERROR S3 is not answering", and a second later that it answered again
            assertEquals(List.of(), log.lines(Level.ERROR, "S3Health"), "no outage was ever proven: no false alarm");
            assertTrue(log.lines(Level.INFO, "S3Health").stream().noneMatch(l -> l.startsWith("S3 answers again")),
                    log.atLeast(Level.INFO).toString());
            for (int i = 1; i <= 5; i++) {
                String name = "bad" + i + ".txt";
                assertTrue(log.lines(Level.WARN, "S3Health").stream().anyMatch(l -> l.startsWith("S3 fails " + name
                        + " (HTTP 500") && l.contains("while it answers other requests")),
                        log.atLeast(Level.WARN).toString());
            }
            // a failure is counted a moment before its file is handed to the retry queue
            await().atMost(LONG).until(() -> app.counters().getWaiting() == 5);
            long[] puts = putsBeforeAndAfterTheHeadBucket();
            assertEquals(5, puts[0], "all five had failed in this outage: none was sent again as the probe: "
                    + proxy.requests().stream().map(r -> r.request().method() + " " + r.request().key() + " "
                    + r.request().amzHeaders().get("x-amz-date")).toList());
            assertEquals(5, puts[1], "each tried once more after the bucket answered, then it waits");

            aLaterChangeStillArrives();
            assertFalse(health.isDown());
            assertEquals(1, headBuckets(), "one HeadBucket ended the outage; no probe since");
            assertEquals(List.of(), log.lines(Level.ERROR, "S3Health"));
            assertFalse(s3.exists(bucket, "bad1.txt"));
        }
    }

    @Test
    void whileTheBucketDoesNotAnswerEitherS3StaysDownAndIsAskedAgainUntilItDoes() throws Exception {
        proxy.when(r -> r.isPut() && r.key().startsWith("bad")).respond(500, "InternalError");
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of("sync.max-retries", "0"))) {
            S3Health health = app.bean("s3Health", S3Health.class);
            HealthCheck s3Answers = app.bean("s3Answers", HealthCheck.class);
            // after the start's own HeadBucket: the connection is dropped, as by a server that is gone
            Fault bucketGone = proxy.when(r -> r.method().equals("HEAD") && r.key().isEmpty()).dropConnection();
            for (int i = 1; i <= 3; i++) {
                write(tree, "bad" + i + ".txt", "the server fails this key");
            }
            await().atMost(LONG).until(() -> bucketGone.matches() >= 2); // probes at 1 s, then 2 s later
            assertTrue(health.isDown(), "the bucket did not answer: S3 is down");
            assertEquals(HealthCheck.State.DOWN, s3Answers.call().getState());
            assertEquals(0, app.counters().getFailed(FailureKind.KEY_FAILS), app.counters().toString());

            bucketGone.remove();
            await().atMost(LONG).until(() -> !health.isDown());
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.KEY_FAILS) == 3);
            assertEquals(HealthCheck.State.UP, s3Answers.call().getState());
            aLaterChangeStillArrives();
            assertEquals(1, log.lines(Level.ERROR, "S3Health").size(), "one outage: " + log.atLeast(Level.WARN));
        }
    }

    /**
     * An outage that files failing in a row opened is said only once a probe fails too (bad keys side by side gave a
     * false alarm); a probe that hangs proves nothing either way, so after 10 s it is said anyway, and the answer that
     * comes at last ends it with its line.
     */
    @Test
    void anOutageWhoseProbeHangsIsSaidAfterTenSecondsAndEndsWhenTheProbeIsAnswered() throws Exception {
        // the three fail at once (held until all are under way): else, on a slow machine, a later one could go as a
        // file probe and fail, which proves the outage without the 10 s
        Hold together = proxy.when(r -> r.isPut() && r.key().startsWith("bad")).times(3).holdBeforeBody();
        proxy.when(r -> r.isPut() && r.key().startsWith("bad")).respond(500, "InternalError");
        Map<String, String> settings = Map.of("sync.max-retries", "0", "sync.progress-interval", "2s");
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(settings)) {
            S3Health health = app.bean("s3Health", S3Health.class);
            HealthCheck s3Answers = app.bean("s3Answers", HealthCheck.class);
            // after the start's own HeadBucket: the probe's is answered only after 20 s
            Fault slowBucket = proxy.when(r -> r.method().equals("HEAD") && r.key().isEmpty()).times(1)
                    .delay(Duration.ofSeconds(20));
            for (int i = 1; i <= 3; i++) {
                write(tree, "bad" + i + ".txt", "the server fails this key");
            }
            await().atMost(LONG).until(() -> together.arrivals().size() == 3);
            together.release();
            await().atMost(LONG).until(health::isDown);
            await().atMost(LONG).until(() -> slowBucket.matches() == 1);
            assertEquals(HealthCheck.State.UP, s3Answers.call().getState(), "not proven yet");
            await().atMost(LONG).until(() -> log.lines(Level.ERROR, "S3Health").size() == 1);
            assertTrue(log.lines(Level.ERROR, "S3Health").get(0).startsWith("S3 is not answering (HTTP 500"),
                    log.atLeast(Level.WARN).toString());
            assertEquals(HealthCheck.State.DOWN, s3Answers.call().getState());

            await().atMost(LONG).until(() -> !health.isDown()); // the HeadBucket's answer comes
            assertTrue(log.lines(Level.INFO, "S3Health").stream().anyMatch(l -> l.startsWith(
                    "S3 answers again: the bucket answers")), log.atLeast(Level.INFO).toString());
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.KEY_FAILS) == 3);
            assertEquals(HealthCheck.State.UP, s3Answers.call().getState());
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aServerThatAnswersTheBucketButFailsEveryUploadCountsAsDownUntilAFileGoesThrough() throws Exception {
        // a full disk, say: HeadBucket is answered, every PUT fails
        Fault full = proxy.when(r -> r.isPut()).respond(500, "InternalError");
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of("sync.max-retries", "1"))) {
            S3Health health = app.bean("s3Health", S3Health.class);
            HealthCheck s3Answers = app.bean("s3Answers", HealthCheck.class);
            proxy.clearRequests();
            write(tree, "first.txt", "written first");
            // alone, it cannot tell a full disk from a bad key: the bucket answers, and it waits by itself
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.KEY_FAILS) == 1);
            assertEquals(1, headBuckets());
            assertEquals(List.of(), log.lines(Level.ERROR, "S3Health"), "the bucket's answer ended it: not said");

            for (String name : new String[] {"d.txt", "e.txt", "f.txt"}) {
                write(tree, name, name);
            }
            // their first probe is a file, which fails: now it is said
            await().atMost(LONG).until(() -> log.lines(Level.ERROR, "S3Health").size() == 1);
            assertTrue(log.lines(Level.ERROR, "S3Health").get(0).startsWith("S3 is not answering (HTTP 500"),
                    log.atLeast(Level.WARN).toString());
            // probes go while it is down; once all three failed in this outage, the next probe is a file again, not
            // the bucket, which would call S3 up once more
            await().atMost(LONG).until(() -> putsOf("d.txt") >= 2 && putsOf("e.txt") >= 2 && putsOf("f.txt") >= 2
                    && putsOf("d.txt") + putsOf("e.txt") + putsOf("f.txt") >= 8);
            assertTrue(health.isDown());
            assertEquals(HealthCheck.State.DOWN, s3Answers.call().getState());
            assertEquals(1, headBuckets(), "the bucket answered the last outage's probe; no file went through since");

            full.remove(); // space is freed
            for (String name : new String[] {"d.txt", "e.txt", "f.txt"}) {
                awaitObject(name, name);
            }
            awaitObject("first.txt", "written first"); // its own wait ends when S3 answers again
            assertFalse(health.isDown());
            aLaterChangeStillArrives();
        }
    }
}
