package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.health.S3Health;
import io.watch2s3.support.FaultyS3Proxy.Fault;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
            write(tree, "bad.txt", "the server fails this key");
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

    @Test
    void whenItIsAllThatWasSentANewFileIsTheNextProbeAndFromThenOnTheKeyIsKnownToFailByItself() throws Exception {
        Fault bad = failBadTxtForGood();
        AtomicInteger badBeforeNew = new AtomicInteger(-1);
        // matches nothing: notes how often bad.txt was sent when new.txt is first sent
        proxy.when(r -> {
            if (r.isPut() && r.key().equals("new.txt")) {
                badBeforeNew.compareAndSet(-1, bad.matches());
            }
            return false;
        }).respond(500, "never");
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of("sync.max-retries", "1"))) {
            S3Health health = app.bean("s3Health", S3Health.class);
            write(tree, "bad.txt", "the server fails this key");
            // nothing else was sent: for all watch2s3 can tell, S3 is down
            await().atMost(LONG).until(health::isDown);
            // sent, retried once, then three probes: the next probe is 8 s away
            await().atMost(LONG).until(() -> bad.matches() >= 5);

            write(tree, "new.txt", "written while bad.txt waits");
            await().atMost(LONG).until(() -> app.counters().getWaiting() == 2); // both wait; no probe is out
            int badWhenBothWaited = bad.matches();
            long s3UnavailableWhenBothWaited = app.counters().getFailed(FailureKind.S3_UNAVAILABLE);
            awaitObject("new.txt", "written while bad.txt waits");
            assertEquals(badWhenBothWaited, badBeforeNew.get(), "new.txt went as the probe before bad.txt again");

            // S3 answered new.txt while bad.txt failed: bad.txt's key is the problem, and S3 does not go down for it
            await().atMost(LONG).until(() -> log.lines(Level.WARN, "S3Health").stream()
                    .anyMatch(l -> l.startsWith("S3 fails bad.txt (HTTP 500") && l.contains("while it accepts other files")));
            // once S3 answered again, bad.txt is tried again at once, fails, and waits again
            await().atMost(LONG).until(() -> bad.matches() >= badBeforeNew.get() + 1 && app.counters().getWaiting() == 1);
            assertFalse(health.isDown(), "a key known to fail by itself does not make S3 count as down");
            // its failures while S3 seemed down counted as an outage's; the try after that, as the key's own
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.KEY_FAILS) == 1);
            assertEquals(s3UnavailableWhenBothWaited, app.counters().getFailed(FailureKind.S3_UNAVAILABLE),
                    app.counters().toString());
            assertEquals(badBeforeNew.get() + 1, bad.matches(), "nor is it retried at once: one request per try");
            assertEquals(1, log.lines(Level.ERROR, "S3Health").size(), "one outage: " + log.atLeast(Level.WARN));
            aLaterChangeStillArrives();
            assertFalse(s3.exists(bucket, "bad.txt"));
        }
    }
}
