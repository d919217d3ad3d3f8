package io.watch2s3.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.stats.ProgressReport;
import io.watch2s3.stats.SyncCounters;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which lane a closed batch takes, when one is set aside, and when a scan's walk waits. */
class BatchLanesTest {

    private final BatchLanes lanes = new BatchLanes();
    private final SyncCounters counters = new SyncCounters();

    {
        lanes.setCounters(counters);
    }

    private static final CamelContext CAMEL = new DefaultCamelContext();

    /** The batch's exchange in sync-batch, from its start. */
    private Exchange starting(Batch batch) {
        Exchange exchange = new DefaultExchange(CAMEL);
        exchange.getMessage().setBody(batch);
        lanes.batchStarting(exchange, batch);
        return exchange;
    }

    private void done(Exchange batch) {
        lanes.batchDone(turn(batch));
    }

    private static BatchLanes.Turn turn(Exchange batch) {
        return batch.getProperty(BatchLanes.TURN, BatchLanes.Turn.class);
    }

    private static Batch batchOf(int paths) {
        Batch batch = new Batch(System.currentTimeMillis(), 1_000_000, 60_000);
        IntStream.range(0, paths).forEach(i -> batch.add("burst/f" + i, 0));
        return batch;
    }

    private Batch closed(int paths) {
        Batch batch = batchOf(paths);
        lanes.closed(batch);
        return batch;
    }

    @Test
    void aBatchOfAFewPathsTakesTheQuickLaneAndAFullOneNever() {
        assertTrue(lanes.quickLaneTakes(batchOf(1)));
        assertTrue(lanes.quickLaneTakes(batchOf(BatchLanes.QUICK_BATCH)));
        assertFalse(lanes.quickLaneTakes(batchOf(BatchLanes.QUICK_BATCH + 1)));
        lanes.setMaxBatch(10);
        assertTrue(lanes.quickLaneTakes(batchOf(5)));
        assertFalse(lanes.quickLaneTakes(batchOf(10)), "a burst closed at sync.max-batch 10 stays in the big lane");
        lanes.setMaxBatch(1);
        assertFalse(lanes.quickLaneTakes(batchOf(1)));
    }

    @Test
    void theBigLaneHoldsEightWaitingBatchesAndTheNinthIsSetAside() {
        for (int i = 0; i < BatchLanes.WAITING; i++) {
            closed(1000);
            assertTrue(lanes.bigLaneTakes(), "batch " + (i + 1));
        }
        Batch ninth = closed(1000);
        assertFalse(lanes.bigLaneTakes());
        assertEquals(9000, lanes.waitingPaths());
        lanes.setAside(ninth);
        assertEquals(1000, counters.getSetAside(), "watch2s3_paths_set_aside_total");
        assertEquals(8000, lanes.waitingPaths(), "what is set aside is no longer backlog: the scan finds it");
        starting(batchOf(1000));
        assertTrue(lanes.bigLaneTakes(), "a batch started: room for one more");
    }

    @Test
    void aScanWaitsWhileHalfTheWaitingRoomIsTakenAndGoesOnOnceABatchStarts() throws Exception {
        for (int i = 0; i < BatchLanes.WAITING / 2; i++) {
            closed(10);
        }
        CountDownLatch through = new CountDownLatch(1);
        Thread scan = new Thread(() -> {
            lanes.awaitRoomForScan();
            through.countDown();
        });
        scan.start();
        assertFalse(through.await(300, TimeUnit.MILLISECONDS), "the walk waits");
        starting(batchOf(10));
        assertTrue(through.await(10, TimeUnit.SECONDS), "a batch left the queue: the walk goes on");
        scan.join();
    }

    @Test
    void aScanThatIsInterruptedStopsWaitingAndKeepsTheInterrupt() throws Exception {
        for (int i = 0; i < BatchLanes.WAITING; i++) {
            closed(10);
        }
        boolean[] interrupted = new boolean[1];
        Thread scan = new Thread(() -> {
            lanes.awaitRoomForScan();
            interrupted[0] = Thread.currentThread().isInterrupted();
        });
        scan.start();
        scan.interrupt();
        scan.join(10_000);
        assertFalse(scan.isAlive());
        assertTrue(interrupted[0]);
    }

    @Test
    void idleOnlyOnceEveryClosedBatchStartedAndIsDone() {
        assertTrue(lanes.isIdle());
        Batch batch = closed(3);
        assertFalse(lanes.isIdle());
        Exchange started = starting(batch);
        assertFalse(lanes.isIdle());
        done(started);
        assertTrue(lanes.isIdle());
        lanes.setAside(closed(3));
        assertTrue(lanes.isIdle(), "a batch set aside is the scan's to find");
    }

    /** A burst of {@code paths} whose first events came a millisecond apart from t = 0. */
    private static Batch burstFrom(int paths) {
        Batch batch = new Batch(0, 1_000_000, 60_000);
        IntStream.range(0, paths).forEach(i -> batch.add("burst/f" + i, i));
        return batch;
    }

    @Test
    void aFixMadeAfterTheBurstsLastPauseGoesAheadAsAQuickBatchOfItsOwn() {
        lanes.setQuietPeriod("5s");                 // a pause is a second without events
        Batch batch = burstFrom(500);
        batch.add("index.html", 499 + 1_000);
        batch.add("burst/f3", 499 + 1_200);         // a burst file changed again: it stays with the burst
        batch.add("about.html", 499 + 1_300);
        lanes.closed(batch);
        List<Batch> parts = lanes.quickPartFirst(batch);
        assertEquals(2, parts.size());
        assertEquals(List.of("index.html", "about.html"), parts.get(0).getPaths());
        assertEquals(1499, parts.get(0).firstSeen("index.html"), "its latency is still measured from its first event");
        assertTrue(lanes.quickLaneTakes(parts.get(0)));
        assertEquals(500, parts.get(1).getSize());
        assertFalse(parts.get(1).getPaths().contains("index.html"));
        assertEquals(502, lanes.waitingPaths(), "the same paths wait, in two batches");
        Exchange first = starting(parts.get(0));
        Exchange second = starting(parts.get(1));
        done(first);
        done(second);
        assertTrue(lanes.isIdle(), "both parts counted, both done");
    }

    @Test
    void aBatchIsKeptWholeWithoutAPauseOrWithManyPathsAfterIt() {
        lanes.setQuietPeriod("5s");
        Batch noPause = burstFrom(500);
        noPause.add("index.html", 499 + 999);       // less than a fifth of the quiet period
        assertEquals(List.of(noPause), lanes.quickPartFirst(noPause));
        assertEquals(501, noPause.getSize());

        Batch manyAfter = burstFrom(500);
        IntStream.range(0, BatchLanes.QUICK_BATCH + 1).forEach(i -> manyAfter.add("second/f" + i, 5_000 + i));
        assertEquals(List.of(manyAfter), lanes.quickPartFirst(manyAfter), "a second burst is no quick batch");

        Batch quick = burstFrom(BatchLanes.QUICK_BATCH - 1);
        quick.add("index.html", 60_000);
        assertEquals(List.of(quick), lanes.quickPartFirst(quick), "a quick batch already goes ahead whole");
        assertEquals(BatchLanes.QUICK_BATCH, quick.getSize());
    }

    @Test
    void aFixTheWatcherReportedAmongWhatAScanFoundGoesAheadOfIt() {
        Batch batch = new Batch(0, 1_000_000, 60_000);
        IntStream.range(0, 300).forEach(i -> batch.add("found/f" + i, i));     // no pause: the scan walks on
        batch.addWatched("index.html", 150);
        batch.addWatched("found/f7", 160);     // the scan found it and the watcher saw it change: it goes first too
        lanes.closed(batch);
        List<Batch> parts = lanes.quickPartFirst(batch);
        assertEquals(2, parts.size());
        assertEquals(List.of("found/f7", "index.html"), parts.get(0).getPaths());
        assertEquals(299, parts.get(1).getSize());
        assertEquals(301, lanes.waitingPaths());
    }

    @Test
    void aBurstTheWatcherReportedIsNoFixToGoAhead() {
        Batch deploy = new Batch(0, 1_000_000, 60_000);
        IntStream.range(0, 300).forEach(i -> deploy.addWatched("site/f" + i, i));
        deploy.add("found/old.txt", 100);                       // one path a rescan found meanwhile
        assertEquals(List.of(deploy), lanes.quickPartFirst(deploy), "300 watched paths are a burst, not a fix");
        Batch onlyWatched = new Batch(0, 1_000_000, 60_000);
        IntStream.range(0, 300).forEach(i -> onlyWatched.addWatched("site/f" + i, i));
        assertEquals(List.of(onlyWatched), lanes.quickPartFirst(onlyWatched));
    }

    @Test
    void withDeletesMirroredOnlyFilesThatAreThereGoAheadSoThatTheGuardSeesEveryDelete(@TempDir Path root)
            throws Exception {
        DeleteGuard guard = new DeleteGuard();
        guard.setRoot(root.toString());
        guard.setDeletes(true);
        guard.setCounters(counters);
        lanes.setDeleteGuard(guard);
        lanes.setQuietPeriod("5s");
        Files.writeString(root.resolve("index.html"), "the fix");
        Files.createDirectories(root.resolve("assets"));

        Batch upload = burstFrom(500);                  // 500 paths deleted, then the fix written
        upload.add("index.html", 5_000);
        assertEquals(2, lanes.quickPartFirst(upload).size(), "a file that is there: an upload, parted");

        Batch delete = burstFrom(500);                  // 500 paths deleted, then one more, a moment later
        delete.add("about.html", 5_000);
        assertEquals(List.of(delete), lanes.quickPartFirst(delete), "a vanished path stays with the batch's deletes");
        assertEquals(501, delete.getSize());

        Batch directory = burstFrom(500);               // a directory: the planner may delete what was below it
        directory.add("assets", 5_000);
        assertEquals(List.of(directory), lanes.quickPartFirst(directory));

        guard.setDeletes(false);
        Batch kept = burstFrom(500);
        kept.add("about.html", 5_000);
        assertEquals(2, lanes.quickPartFirst(kept).size(), "deletes not mirrored: nothing for the guard to judge");
    }

    private static BatchPhase copySourceDeletes(String... paths) {
        return new BatchPhase(List.of(paths).stream().map(path -> SyncAction.delete(path, 0).afterCopies()).toList(),
                true);
    }

    private List<String> due(Exchange batch, BatchPhase phase) {
        return lanes.actionsDue(phase, turn(batch), null).stream().map(SyncAction::path).toList();
    }

    @Test
    void copySourceDeletesWaitForTheLastBatchThatMayCopyFromThem() {
        // a moved directory: the old names' deletes in one batch, the new names in the next two
        Exchange deletes = starting(closed(3));
        Exchange copies1 = starting(closed(3));
        closed(3);
        BatchPhase uploads = new BatchPhase(List.of(SyncAction.upload("new/a", 0)), false);
        assertEquals(List.of("new/a"), due(copies1, uploads), "the first phase is never held");
        assertEquals(List.of(), due(deletes, copySourceDeletes("old/a", "old/b")), "two batches may still copy");
        done(deletes);
        assertEquals(2, lanes.deletesHeld());
        assertEquals(List.of(), due(copies1, copySourceDeletes()), "a batch waits for a lane");
        done(copies1);
        Exchange copies2 = starting(batchOf(3));
        assertEquals(List.of("old/a", "old/b", "old/c"), due(copies2, copySourceDeletes("old/c", "old/a")),
                "the last batch sends what the others held, each path once");
        assertEquals(0, lanes.deletesHeld());
        done(copies2);
        assertTrue(lanes.isIdle());
    }

    @Test
    void copySourceDeletesWaitForTheOpenBatch() {
        int[] open = {2};
        lanes.watchOpenBatch(() -> open[0]);
        Exchange batch = starting(closed(3));
        assertEquals(List.of(), due(batch, copySourceDeletes("old/a")), "new names may still be collected");
        done(batch);
        open[0] = 0;
        Exchange next = starting(closed(2));
        assertEquals(List.of("old/a"), due(next, copySourceDeletes()));
        done(next);
    }

    @Test
    void aBatchThatFailedBeforeItsSecondPhaseHoldsNoOtherBack() {
        Exchange failed = starting(closed(3));
        Exchange other = starting(closed(3));
        done(failed); // its plan failed (the state database): no second phase
        assertEquals(List.of("old/a"), due(other, copySourceDeletes("old/a")));
        done(other);
        assertTrue(lanes.isIdle());
        Exchange next = starting(closed(1));
        assertEquals(List.of("old/b"), due(next, copySourceDeletes("old/b")), "each batch counted once");
    }

    @Test
    void deletesHeldForTenMinutesGoEvenWhileBatchesStillUpload() {
        long[] now = {0};
        lanes.setClock(() -> now[0]);
        Exchange endless = starting(closed(3));
        Exchange first = starting(closed(3));
        assertEquals(List.of(), due(first, copySourceDeletes("old/a")));
        done(first);
        now[0] = BatchLanes.HOLD_AT_MOST_MILLIS;
        Exchange later = starting(closed(3));
        assertEquals(List.of("old/a", "old/b"), due(later, copySourceDeletes("old/b")),
                "held long enough: a copy that finds its source gone uploads");
        done(later);
        done(endless);
    }

    @Test
    void theBatchThatSendsHeldDeletesCountsThemInItsProgress() {
        ProgressReport report = new ProgressReport();
        report.setCounters(counters);
        Exchange holder = starting(closed(3));
        Exchange sender = starting(closed(3));
        report.batchStarted(holder, List.of(1, 2, 3));
        report.batchStarted(sender, List.of(1));
        lanes.actionsDue(copySourceDeletes("old/a", "old/b"), turn(holder), progress(holder));
        lanes.actionsDue(copySourceDeletes(), turn(sender), progress(sender));
        assertEquals(1, progress(holder).getTotal(), "its two deletes are sent by another");
        assertEquals(3, progress(sender).getTotal(), "its one file and the two deletes it sends");
    }

    private static ProgressReport.BatchProgress progress(Exchange batch) {
        return batch.getProperty(ProgressReport.PROPERTY,
                ProgressReport.BatchProgress.class);
    }
}
