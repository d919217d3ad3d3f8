package io.watch2s3;

import static io.watch2s3.support.Files2.placeWhole;
import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.change.LatestChangePerPath;
import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.support.FaultyS3Proxy.Hold;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Batches run side by side: a change made while a big batch uploads does not wait for it, and a path that is in two
 * batches at once is synced one turn at a time, so S3 ends with its newest content. The big batch is made to last
 * by holding its requests in the proxy, not by timing.
 */
class BatchesSideBySideTest extends ProxiedS3TestBase {

    @Test
    void aChangeMadeWhileABurstUploadsArrivesBeforeTheBurst() throws Exception {
        var burstPuts = proxy.when(r -> r.isPut() && r.key().startsWith("burst/")).hold();
        Files.createDirectories(tree.resolve("burst"));   // watched from the start: no new directory's scan
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "4"))) {
            // The burst is one batch: no part of it found by the start's scan, one event per file. A loaded machine
            // that splits it (a plain write's second event after its batch closed, the scan's own batch) gives the
            // quick lane a batch per part, each on one of its 4 threads holding a held PUT or waiting for its path,
            // and the fix would wait for a free thread: a lane's limit, not the side-by-side this test is about.
            await().atMost(LONG).until(app.bean("catchUpScan", CatchUpScan.class)::isSettled);
            IntStream.range(0, 40).forEach(i -> placeWhole(tree, "burst/f" + i + ".txt", "burst " + i));
            burstPuts.awaitArrival(LONG);
            write(tree, "index.html", "the one-line fix");
            awaitObject("index.html", "the one-line fix");
            // every thread of the upload pool is held by the burst: the fix went while none of it could finish
            assertEquals(List.of("index.html"), s3.keys(bucket));
            burstPuts.release();
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 41);
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
        }
    }

    @Test
    void twoBigBatchesSideBySideEachHaveTheirOwnProgressLines() throws Exception {
        var held = proxy.when(r -> r.isPut() && r.key().startsWith("big-")).hold();
        try (LogCapture log = new LogCapture();
                TestApp app = startThroughProxy(Map.of("sync.parallelism", "2", "sync.progress-interval", "1s"))) {
            // the start's scan would find some of a's files and close them in a batch of their own
            await().atMost(LONG).until(app.bean("catchUpScan", CatchUpScan.class)::isSettled);
            IntStream.range(0, 200).forEach(i -> write(tree, "big-a/f" + i + ".txt", "a " + i));
            await().atMost(LONG).until(() -> held.arrivals().size() == 2);     // batch a uploads, held
            // batch b closes beside it (its uploads wait for a thread, or are held too): no file of either is done
            IntStream.range(0, 300).forEach(i -> write(tree, "big-b/f" + i + ".txt", "b " + i));
            await().atMost(LONG).until(() -> batchesIn(log, "progress of batch (\\d+): 0/200 files.*").size() == 1
                    && batchesIn(log, "progress of batch (\\d+): 0/300 files.*").size() == 1);
            Set<String> a = batchesIn(log, "progress of batch (\\d+): 0/200 files.*");
            Set<String> b = batchesIn(log, "progress of batch (\\d+): 0/300 files.*");
            assertFalse(a.equals(b), "the two batches' lines carry the same number: " + a + " " + b);
            held.release();
            await().atMost(LONG).until(() -> batchesIn(log, "batch (\\d+) done: 200/200 files.*").equals(a)
                    && batchesIn(log, "batch (\\d+) done: 300/300 files.*").equals(b));
            assertEquals(500, s3.keys(bucket).size());
            aLaterChangeStillArrives();
        }
    }

    /** The batch numbers of the progress lines that match {@code regex} (its group 1). */
    private static Set<String> batchesIn(LogCapture log, String regex) {
        Pattern pattern = Pattern.compile(regex);
        return log.lines(Level.INFO, "progress").stream().map(pattern::matcher).filter(Matcher::matches)
                .map(m -> m.group(1)).collect(Collectors.toSet());
    }

    @Test
    void aPathInTwoBatchesAtOnceEndsWithItsNewestContent() throws Exception {
        var firstUpload = proxy.when(r -> r.isPut() && r.key().equals("page.html")).times(1).hold();
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "4"))) {
            write(tree, "page.html", "version 1");
            firstUpload.awaitArrival(LONG);          // version 1 is on its way, and S3 has not answered yet
            write(tree, "page.html", "version 2");   // a second batch: its turn for page.html must wait
            write(tree, "beside.txt", "in the second batch too");
            awaitObject("beside.txt", "in the second batch too");
            assertFalse(s3.exists(bucket, "page.html"), "the second batch did not wait for the first upload");
            assertEquals(1, firstUpload.arrivals().size(), "page.html was sent again while its first upload was on its way");
            firstUpload.release();
            awaitObject("page.html", "version 2");
            await().atMost(LONG).until(() -> putsOf("page.html") == 2);
            StateDatabase state = app.bean("stateDatabase", StateDatabase.class);
            await().atMost(LONG).until(() -> state.find("page.html").map(r -> r.size() == 9 && !r.isPending())
                    .orElse(false));
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
        }
    }

    /**
     * The turn holding a path fails (S3 answers 500, no retries) while a second batch's turn handed the path on: the
     * path waits with the files that wait for S3 instead of going again at once, and still ends in S3 newest.
     */
    @Test
    void aPathHandedOnWhileItsHolderFailsWaitsForS3AndEndsNewest() throws Exception {
        var firstUpload = proxy.when(r -> r.isPut() && r.key().equals("page.html")).times(1).holdBeforeBody();
        proxy.when(r -> r.isPut() && r.key().equals("page.html")).times(1).respond(500, "InternalError");
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "4", "sync.max-retries", "0"))) {
            await().atMost(LONG).until(app.bean("catchUpScan", CatchUpScan.class)::isSettled);
            placeWhole(tree, "page.html", "version 1");
            firstUpload.awaitArrival(LONG);
            placeWhole(tree, "page.html", "version 2");   // a second batch, whose turn hands page.html on
            placeWhole(tree, "beside.txt", "in the second batch too");
            awaitObject("beside.txt", "in the second batch too");
            firstUpload.release();                          // and S3 fails it
            awaitObject("page.html", "version 2");
            await().atMost(LONG).until(() -> app.counters().getBacklogGauge() == 0.0);
            assertEquals(1, app.counters().getFailed(), "the held upload failed, and only it");
            aLaterChangeStillArrives();
        }
    }

    /**
     * Small batches whose uploads take long (large files copied in one at a time, over a slow uplink; here their PUTs
     * are held) do not keep a fix waiting: five of them, more than the quick lane used to run at once. Beyond the
     * sixteen it runs, the next ones wait in its queue and are not dropped.
     */
    @Test
    void aFixDoesNotWaitBehindSmallBatchesWhoseUploadsTakeLongAndMoreOfThemWaitWithoutLoss() throws Exception {
        var held = proxy.when(r -> r.isPut() && r.key().startsWith("held/")).hold();
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "8", "s3.request-timeout", "10m"))) {
            await().atMost(LONG).until(app.bean("catchUpScan", CatchUpScan.class)::isSettled);
            heldInBatchesOfTheirOwn(held, 1, 5);
            write(tree, "index.html", "the one-line fix");
            awaitObject("index.html", "the one-line fix");
            assertEquals(List.of("index.html"), s3.keys(bucket), "the fix went while every held file was on its way");
            heldInBatchesOfTheirOwn(held, 6, 16);
            // sixteen batches hold the quick lane's threads: the next two wait in its queue, and are not dropped
            placeWhole(tree, "held/f17.txt", "the seventeenth");
            await().atMost(LONG).until(() -> app.counters().getBacklogGauge() == 17.0);
            placeWhole(tree, "held/f18.txt", "after the seventeenth");
            await().atMost(LONG).until(() -> app.counters().getBacklogGauge() == 18.0);
            assertEquals(16, held.arrivals().size(), "a seventeenth batch ran beside the sixteen");
            held.release();
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 19);
            assertEquals("after the seventeenth", s3.getText(bucket, "held/f18.txt"));
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
        }
    }

    /** Files {@code from} to {@code to}, each closed in a batch of its own and uploading now, held there. */
    private void heldInBatchesOfTheirOwn(Hold held, int from, int to) {
        for (int i = from; i <= to; i++) {
            placeWhole(tree, "held/f" + i + ".txt", "batch " + i); // one event: one batch, one turn
            int uploading = i;
            await().atMost(LONG).until(() -> held.arrivals().size() == uploading);
        }
    }

    /**
     * A batch does not wait for another batch's upload of one of its paths (a large file going up for minutes, a log
     * file in every batch): its turn for that path hands it on, the rest of the batch ends, and the path is looked at
     * again once the upload ends, so S3 still ends with its newest content.
     */
    @Test
    void aBatchWithAPathAnotherBatchUploadsEndsWithoutWaitingAndThePathEndsNewest() throws Exception {
        var firstUpload = proxy.when(r -> r.isPut() && r.key().equals("big.log")).times(1).hold();
        Files.createDirectories(tree.resolve("deploy"));   // watched from the start: no new directory's scan
        try (LogCapture log = new LogCapture();
                TestApp app = startThroughProxy(Map.of("sync.parallelism", "4", "s3.request-timeout", "10m"))) {
            await().atMost(LONG).until(app.bean("catchUpScan", CatchUpScan.class)::isSettled);
            placeWhole(tree, "big.log", "version 1");
            firstUpload.awaitArrival(LONG);
            placeWhole(tree, "big.log", "version 2");     // a second batch: with 249 other files (a progress line)
            IntStream.range(0, 249).forEach(i -> placeWhole(tree, "deploy/f" + i + ".txt", "deploy " + i));
            await().atMost(LONG).until(() -> !batchesIn(log, "batch (\\d+) done: 250/250 files.*").isEmpty());
            assertEquals(1, firstUpload.arrivals().size(), "big.log was sent again while its first upload was on its way");
            assertFalse(s3.exists(bucket, "big.log"));
            assertEquals(249, s3.keys(bucket).size(), "the second batch's other files are all in S3");
            firstUpload.release();
            awaitObject("big.log", "version 2");
            await().atMost(LONG).until(() -> app.counters().getBacklogGauge() == 0.0);
            assertEquals(2, putsOf("big.log"));
            StateDatabase state = app.bean("stateDatabase", StateDatabase.class);
            assertTrue(state.find("big.log").map(r -> r.size() == 9 && !r.isPending()).orElse(false));
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
        }
    }

    /**
     * A burst of more batches than run side by side (here sync.max-batch 10: 100 files, 10 to 20 full batches, as a
     * file's CREATE and MODIFY may fall into two): the thread that reads file events never waits for one of them, so
     * a change made after the burst is read at once and goes in the quick lane (a 70,000-file git clone is 7 batches
     * of 10,000).
     */
    @Test
    void aChangeMadeAfterABurstOfManyBatchesArrivesBeforeTheBurst() throws Exception {
        var burstPuts = proxy.when(r -> r.isPut() && r.key().startsWith("burst/")).hold();
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "4", "sync.max-batch", "10",
                // the held requests must not time out and be sent again: that would free the threads
                "s3.request-timeout", "10m"))) {
            IntStream.range(0, 100).forEach(i -> write(tree, "burst/f" + i + ".txt", "burst " + i));
            burstPuts.awaitArrival(LONG);
            everyBurstPathIsInAClosedBatch(app);
            write(tree, "index.html", "the one-line fix");
            awaitObject("index.html", "the one-line fix");
            assertEquals(List.of("index.html"), s3.keys(bucket));
            theHeldBurstArrivesEachFileOnce(burstPuts, app, 100);
            aLaterChangeStillArrives();
        }
    }

    /**
     * A fix made a moment after a deploy's last files, within their quiet period, closes in one batch with them. It
     * goes ahead of them, as a quick batch of its own, rather than after every one of them (here they are all held).
     */
    @Test
    void aFixMadeJustAfterABurstWithinItsQuietPeriodGoesAheadOfTheBurst() throws Exception {
        Files.createDirectories(tree.resolve("burst"));    // so that the batch holds the burst's files only
        var burstPuts = proxy.when(r -> r.isPut() && r.key().startsWith("burst/")).hold();
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "4", "sync.quiet-period", "4s",
                "s3.request-timeout", "10m"))) {
            LatestChangePerPath batches = app.bean("latestChangePerPath", LatestChangePerPath.class);
            // the paths it reports go ahead of what a scan found (BatchLanesTest): the route gives its id
            assertEquals("file-watch", app.camelContext().getRoute(batches.getWatcherRoute()).getEndpoint()
                    .getEndpointUri().split(":")[0]);
            CatchUpScan scan = app.bean("catchUpScan", CatchUpScan.class);
            await().atMost(LONG).until(scan::isSettled);     // its end closes the open batch
            IntStream.range(0, 150).forEach(i -> write(tree, "burst/f" + i + ".txt", "burst " + i));
            await().atMost(LONG).until(() -> batches.getOpenPaths() == 150);
            Thread.sleep(1_500);     // the deploy ended: a pause of more than a fifth of the quiet period, then the fix
            write(tree, "index.html", "the one-line fix");
            await().atMost(LONG).until(() -> batches.getOpenPaths() == 151);     // in the burst's batch
            awaitObject("index.html", "the one-line fix");
            assertEquals(List.of("index.html"), s3.keys(bucket));
            theHeldBurstArrivesEachFileOnce(burstPuts, app, 150);
            assertEquals(1, putsOf("index.html"));
            aLaterChangeStillArrives();
        }
    }

    /** Releases the burst's uploads: its files and the fix arrive, each sent once, and nothing failed. */
    private void theHeldBurstArrivesEachFileOnce(Hold burstPuts, TestApp app, int files) {
        burstPuts.release();
        await().atMost(LONG).until(() -> s3.keys(bucket).size() == files + 1);
        await().atMost(LONG).until(() -> app.counters().getBacklogGauge() == 0.0);
        for (int i = 0; i < files; i++) {
            assertEquals(1, putsOf("burst/f" + i + ".txt"), "burst/f" + i + ".txt sent once");
        }
        assertEquals(0, app.counters().getFailed());
    }

    /**
     * The burst's last paths closed after their quiet period: the fix is in a batch of its own, not in one with a
     * burst file whose upload the proxy holds for good (in a real burst, uploads end).
     */
    private static void everyBurstPathIsInAClosedBatch(TestApp app) {
        LatestChangePerPath batches = app.bean("latestChangePerPath", LatestChangePerPath.class);
        await().atMost(LONG).until(() -> batches.getOpenPaths() == 0);
    }

    /**
     * A burst far bigger than the batches that may wait (here 300 files, 30 batches of 10; 4 run, 8 wait): the rest
     * is not held in memory but left to a catch-up scan, which finds every file; each is still sent once, and a
     * change made meanwhile is not held up.
     */
    @Test
    void aBurstBeyondTheWaitingBatchesIsLeftToAScanThatFindsEveryFile() throws Exception {
        var burstPuts = proxy.when(r -> r.isPut() && r.key().startsWith("burst/")).hold();
        try (LogCapture log = new LogCapture();
                TestApp app = startThroughProxy(Map.of("sync.parallelism", "4", "sync.max-batch", "10",
                        "s3.request-timeout", "10m"))) {
            CatchUpScan scan = app.bean("catchUpScan", CatchUpScan.class);
            int scansAsked = scan.getRequests();
            IntStream.range(0, 300).forEach(i -> write(tree, "burst/f" + i + ".txt", "burst " + i));
            await().atMost(LONG).until(() -> app.counters().getSetAside() > 0 && scan.getRequests() > scansAsked);
            assertEquals(1, log.lines(Level.WARN, "batch").stream().filter(l -> l.contains("left to a catch-up scan"))
                    .count(), String.valueOf(log.atLeast(Level.WARN)));
            everyBurstPathIsInAClosedBatch(app);
            write(tree, "index.html", "the one-line fix");
            awaitObject("index.html", "the one-line fix");
            burstPuts.release();
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 301);
            await().atMost(LONG).until(() -> scan.isSettled() && app.counters().getBacklogGauge() == 0.0);
            for (int i = 0; i < 300; i++) {
                assertEquals(1, putsOf("burst/f" + i + ".txt"), "burst/f" + i + ".txt sent once");
            }
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
        }
    }

    /**
     * A start-up scan that finds far more than fits in a few batches (200 files, sync.max-batch 10) while S3 holds
     * every request: its walk waits for the lanes rather than piling up 20 batches in memory, and then goes on.
     */
    @Test
    void aScanThatFindsManyFilesWaitsForItsBatchesRatherThanHoldingThemAll() throws Exception {
        IntStream.range(0, 200).forEach(i -> write(tree, "found/f" + i + ".txt", "found " + i));
        var held = proxy.when(r -> r.isPut() && r.key().startsWith("found/")).hold();
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "4", "sync.max-batch", "10",
                "s3.request-timeout", "10m"))) {
            CatchUpScan scan = app.bean("catchUpScan", CatchUpScan.class);
            held.awaitArrival(LONG);
            // 4 batches run (their uploads held) and 4 wait: the walk waits before it adds a path to the next one
            await().atMost(LONG).until(() -> app.counters().getBacklogGauge() == 80.0);
            assertFalse(scan.isSettled(), "the walk went on while 4 batches waited");
            write(tree, "index.html", "the one-line fix");
            awaitObject("index.html", "the one-line fix");
            held.release();
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 201);
            await().atMost(LONG).until(() -> scan.isSettled() && app.counters().getBacklogGauge() == 0.0);
            for (int i = 0; i < 200; i++) {
                assertEquals(1, putsOf("found/f" + i + ".txt"), "found/f" + i + ".txt sent once");
            }
            assertEquals(0, app.counters().getSetAside(), "a scan's batches wait; they are never set aside");
            aLaterChangeStillArrives();
        }
    }

    /**
     * A tree renamed while its batch uploads it (a deploy tool's mv): the files whose upload had not gone were counted
     * as objects to delete, against sync.max-deletes (an outside probe: 1,450 of them held back 10 real deletes for
     * good), and each got a DELETE for a key S3 never held. Every PUT of the tree is held until the rename's batch has
     * deleted what was really there.
     */
    @Test
    void aTreeRenamedWhileItsBatchUploadsSendsNoDeleteForWhatNeverWentAndTheRealDeletesGo() throws Exception {
        for (int i = 0; i < 10; i++) {
            write(tree, "old/o" + i + ".txt", "old " + i);
        }
        Hold held = proxy.when(r -> r.isPut() && r.key().startsWith("in/a/")).hold();
        try (LogCapture log = new LogCapture();
                TestApp app = startThroughProxy(Map.of("sync.deletes", "true", "sync.max-deletes", "100"))) {
            awaitObject("old/o9.txt", "old 9");
            for (int i = 0; i < 300; i++) {
                write(dir, "incoming/a/f" + i + ".txt", "moved in " + i);
            }
            Files.move(dir.resolve("incoming"), tree.resolve("in")); // a tree moved in whole
            held.awaitArrival(LONG);                                 // its batch uploads, its PUTs held
            // in the same batch: the deletes of old/ first (they go ahead of the tree's, which wait for their paths'
            // held uploads), then the rename
            for (int i = 0; i < 10; i++) {
                Files.delete(tree.resolve("old/o" + i + ".txt"));
            }
            Files.move(tree.resolve("in/a"), tree.resolve("A"));
            await().atMost(LONG).until(() -> s3.keys(bucket).stream().noneMatch(k -> k.startsWith("old/")));
            held.release();
            held.remove();

            await().atMost(LONG).until(() -> TreeFiles.bucket(s3, bucket).equals(TreeFiles.of(tree)));
            Set<String> put = proxy.requests().stream().filter(r -> r.request().isPut() && r.status() < 300)
                    .map(r -> r.request().key()).collect(Collectors.toSet());
            List<String> neverHeld = proxy.requests().stream().filter(r -> r.request().isDelete())
                    .map(r -> r.request().key()).filter(k -> !put.contains(k)).toList();
            assertEquals(List.of(), neverHeld, "DELETEs for keys S3 never held");
            assertTrue(log.lines(Level.ERROR, "DeleteGuard").isEmpty(), log.atLeast(Level.WARN).toString());
        }
    }
}
