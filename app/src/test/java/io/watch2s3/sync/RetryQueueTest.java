package io.watch2s3.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.failure.Failure;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.health.S3Health;
import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.stats.SyncCounters;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue of files that wait for S3, with its real neighbours (S3Health, a real state database, the scan it asks
 * for). Its two edges that the end-to-end tests reach only with 100,000 failing files or by chance: one path at a
 * time while S3 is down, and the roll-up to a scan when too many wait.
 */
class RetryQueueTest {

    @TempDir
    Path dir;
    private final S3Health s3 = new S3Health();
    private final StateDatabase state = new StateDatabase();
    private final CatchUpScan scan = new CatchUpScan();
    private final RetryQueue queue = new RetryQueue();

    @BeforeEach
    void wire() {
        state.setDirectory(dir.resolve("state").toString());
        state.start();
        queue.setS3(s3);
        queue.setState(state);
        queue.setScan(scan);
        queue.setCounters(new SyncCounters());
    }

    @AfterEach
    void stop() {
        state.stop();
    }

    private void s3GoesDown() {
        s3.requestFailed(new Failure(FailureKind.BUCKET_REFUSED, "HTTP 403 AccessDenied"), "a.txt");
    }

    @Test
    void whileS3IsDownOnlyOnePathAtATimeGoesAsAProbeAndAllGoOnceItAnswers() throws Exception {
        s3GoesDown();
        for (String path : List.of("a.txt", "b.txt", "c.txt")) {
            queue.waitForRecovery(path);
        }
        assertEquals(List.of(), queue.takeDue(), "no probe before its time");
        Thread.sleep(1_100); // the first probe is due 1 s after S3 went down
        assertEquals(List.of("a.txt"), queue.takeDue());
        assertEquals(List.of(), queue.takeDue(), "one at a time");
        s3.succeeded(null);
        assertEquals(List.of("b.txt", "c.txt"), queue.takeDue(), "S3 answered: all that waited go at once");
        assertEquals(0, queue.size());
    }

    @Test
    void aPathSetAsideUnsentGoesAsTheProbeBeforeOnesS3AlreadyFailed() throws Exception {
        s3GoesDown();
        queue.waitForRecovery("fails-for-good.txt");
        queue.setAside("new.txt");
        queue.setAside("newer.txt");
        Thread.sleep(1_100);
        assertEquals(List.of("new.txt"), queue.takeDue(), "S3 has not failed new.txt: it is the better probe");
        queue.waitForRecovery("new.txt"); // the probe failed too
        s3.succeeded(null);
        assertEquals(List.of("fails-for-good.txt", "new.txt", "newer.txt"), queue.takeDue());
        assertEquals(0, queue.size());
    }

    @Test
    void aPathThatFailedInThisOutageIsNoFreshProbeWhenItsNextTurnIsSetAsideUnsent() throws Exception {
        for (String path : List.of("a.txt", "b.txt", "c.txt")) { // their failures open the outage
            s3.requestFailed(new Failure(FailureKind.S3_UNAVAILABLE, "HTTP 500 InternalError"), path);
            queue.waitForRecovery(path);
        }
        queue.setAside("a.txt"); // a second event for it came meanwhile: not sent, S3 counts as down
        queue.setAside("new.txt");
        Thread.sleep(1_100);
        assertEquals(List.of("new.txt"), queue.takeDue(), "only new.txt is fresh");
        assertEquals(3, queue.size(), "a.txt waits once, with b.txt and c.txt");
    }

    @Test
    void filesChangedMeanwhileGoBackAtOnceEvenWhileS3IsDown() {
        s3GoesDown();
        queue.lookAgain("moved.txt");
        assertEquals(List.of("moved.txt"), queue.takeDue());
    }

    @Test
    void pastItsBoundTheQueueKeepsNothingAndHasTheTreeScannedOnceS3Answers() {
        queue.setMaxPaths(3);
        s3GoesDown();
        for (int i = 0; i < 5; i++) {
            queue.waitForRecovery("f" + i);
        }
        assertEquals(0, queue.size(), "none kept");
        assertEquals(0, scan.getRequests());
        s3.succeeded(null);
        assertEquals(List.of(), queue.takeDue());
        assertEquals(1, scan.getRequests(), "a scan finds them all instead");
        assertTrue(scan.isDue());
    }

    @Test
    void aKeyS3FailsByItselfIsTriedAgainEverLessOftenUpToHourlyWhileOthersGoOnTheirOwnTime() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        queue.setClock(now::get);
        queue.waitForKey("bad.txt");
        queue.waitForRecovery("other.txt"); // an ordinary wait: it goes at the next 30 s drain, not with the key
        long[] pauses = {30, 60, 120, 240, 480, 960, 1920, 3600, 3600};
        for (int i = 0; i < pauses.length; i++) {
            now.addAndGet(pauses[i] * 1000 - 1000);
            List<String> early = queue.takeDue();
            assertTrue(!early.contains("bad.txt"), "pause " + i + " (" + pauses[i] + " s) not over: " + early);
            assertEquals(i == 0 ? 2 : 1, queue.size(), "bad.txt waits (and is counted as waiting)");
            now.addAndGet(1000);
            List<String> due = queue.takeDue();
            assertTrue(due.contains("bad.txt"), "pause " + i + " (" + pauses[i] + " s) over: " + due);
            if (i == 0) {
                assertEquals(List.of("bad.txt", "other.txt"), due, "the ordinary wait went at the 30 s drain too");
            }
            assertEquals(0, queue.size());
            queue.waitForKey("bad.txt"); // its try failed again
        }
    }

    @Test
    void aFailingKeyThatChangesKeepsItsPauseAndOneThatWentThroughStartsAgainFromThirtySeconds() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        queue.setClock(now::get);
        queue.waitForKey("bad.txt");
        now.addAndGet(30_000);
        assertEquals(List.of("bad.txt"), queue.takeDue());
        queue.waitForKey("bad.txt"); // failed again: 60 s now
        now.addAndGet(20_000);
        queue.waitForKey("bad.txt"); // it changed, was sent at once and failed: the pause stays 60 s, from now
        now.addAndGet(59_000);
        assertEquals(List.of(), queue.takeDue());
        now.addAndGet(1_000);
        assertEquals(List.of("bad.txt"), queue.takeDue());
        // this try goes through (nothing comes back); 10 minutes later the key is forgotten
        now.addAndGet(600_001);
        assertEquals(List.of(), queue.takeDue());
        queue.waitForKey("bad.txt"); // it fails again, some day: 30 s, not 120
        now.addAndGet(30_000);
        assertEquals(List.of("bad.txt"), queue.takeDue());
    }

    @Test
    void aFailingKeyThatThenWaitsForAnOutageGoesWithTheOutagesFilesOnlyOnce() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        queue.setClock(now::get);
        queue.waitForKey("bad.txt");
        queue.waitForRecovery("bad.txt"); // meanwhile sent again (a change), and S3 did not answer
        now.addAndGet(30_000);
        assertEquals(List.of("bad.txt"), queue.takeDue(), "handed out once, not once per list");
        assertEquals(0, queue.size());
    }

    @Test
    void aFailingKeyGoesAtOnceWhenS3AnswersAgainAfterAnOutageWhichMayHaveBeenItsCause() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        queue.setClock(now::get);
        queue.waitForKey("bad.txt"); // its next try is 30 s away
        queue.waitForKey("other-bad.txt");
        now.addAndGet(1_000);
        assertEquals(List.of(), queue.takeDue());
        for (String path : List.of("a.txt", "b.txt", "c.txt")) { // then every request fails: S3 is down
            s3.requestFailed(new Failure(FailureKind.S3_UNAVAILABLE, "HTTP 500 InternalError"), path);
            queue.waitForRecovery(path);
        }
        assertEquals(List.of(), queue.takeDue(), "no probe yet, and no key while S3 is down");
        s3.succeeded("d.txt"); // S3 takes a file again
        now.addAndGet(1_000);
        assertEquals(List.of("bad.txt", "other-bad.txt", "a.txt", "b.txt", "c.txt"), queue.takeDue());
        queue.waitForKey("bad.txt"); // it still fails: its pause doubles, as after any try
        now.addAndGet(59_000);
        assertEquals(List.of(), queue.takeDue());
        now.addAndGet(1_000);
        assertEquals(List.of("bad.txt"), queue.takeDue());
    }

    @Test
    void failingKeysPastTheBoundRollUpIntoAScanLikeTheOthers() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        queue.setClock(now::get);
        queue.setMaxPaths(2);
        queue.waitForKey("a.txt");
        queue.waitForKey("b.txt");
        queue.waitForKey("c.txt");
        assertEquals(0, queue.size(), "none kept");
        now.addAndGet(30_000);
        assertEquals(List.of(), queue.takeDue());
        assertEquals(1, scan.getRequests(), "a scan finds them all instead");
    }
}
