package io.watch2s3.scan;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.change.Batch;
import io.watch2s3.change.BatchLanes;
import io.watch2s3.change.DeleteGuard;
import io.watch2s3.change.LatestChangePerPath;
import io.watch2s3.change.PathFilter;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.stats.SyncCounters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatchUpScanTest {

    /**
     * A scan's batch is closed at once by completing the aggregator's groups, which the aggregator refuses while Camel
     * is still starting: a first scan that ended then left its files waiting a quiet period (an outside probe saw it
     * once in 45 --once runs). The scan waits for Camel's start before it asks.
     */
    @Test
    void aScanThatEndsWhileCamelStartsWaitsForTheStart() throws Exception {
        CatchUpScan scan = new CatchUpScan();
        CountDownLatch starting = new CountDownLatch(1);
        CountDownLatch mayGoOn = new CountDownLatch(1);
        try (CamelContext camel = new DefaultCamelContext()) {
            // a service that holds Camel's start, as the routes' own start does for a moment
            camel.addService(new ServiceSupport() {
                @Override
                protected void doStart() throws Exception {
                    starting.countDown();
                    mayGoOn.await(1, TimeUnit.MINUTES);
                }
            });
            scan.setCamelContext(camel);
            CompletableFuture<Void> start = CompletableFuture.runAsync(camel::start);
            starting.await(1, TimeUnit.MINUTES);
            CompletableFuture<ServiceStatus> seen = CompletableFuture.supplyAsync(() -> {
                scan.awaitCamelStarted();
                return camel.getStatus();
            });
            Thread.sleep(200); // the scan's thread is waiting now, or about to
            mayGoOn.countDown();
            start.get(1, TimeUnit.MINUTES);
            assertEquals(ServiceStatus.Started, seen.get(1, TimeUnit.MINUTES), "went on before Camel had started");
        }
    }

    /**
     * Asked for after a burst (a hard-linked file changed), the scan waits while a batch is open or syncing: one scan
     * however many files ask, not one beside every batch (a local git clone ran ten, each finding the clone's files
     * not synced yet). A scan that starts meanwhile for another reason is that scan.
     */
    @Test
    void aScanAskedForAfterABurstWaitsUntilNoBatchIsOpenOrSyncingAndRunsOnce(@TempDir Path root) throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            LatestChangePerPath batches = new LatestChangePerPath();
            BatchLanes lanes = new BatchLanes();
            batches.setLanes(lanes);
            CatchUpScan scan = new CatchUpScan();
            scan.setRoot(root.toString());
            scan.setInterval("0s");
            scan.setBatches(batches);
            scanOnce(scan);                                           // the start's scan

            Exchange event = new DefaultExchange(camel);
            event.getMessage().setBody("linked/a.txt");
            Exchange batch = batches.aggregate(null, event);          // a batch is open
            scan.requestAfterBurst("a hard-linked file changed");
            scan.requestAfterBurst("another hard-linked file changed");
            assertFalse(scan.isDue(), "a batch is open");
            assertFalse(scan.isSettled());
            batches.onCompletion(batch);
            assertFalse(scan.isDue(), "the batch waits for a lane");
            lanes.batchStarting(batch, batch.getMessage().getBody(Batch.class));
            assertFalse(scan.isDue(), "the batch is syncing");
            lanes.batchDone(batch.getProperty(BatchLanes.TURN, BatchLanes.Turn.class));
            assertTrue(scan.isDue(), "no batch is open or syncing");
            scanOnce(scan);
            assertFalse(scan.isDue(), "the two requests were one scan");
            assertTrue(scan.isSettled());
            assertEquals(2, scan.getRequests());

            batches.aggregate(null, event);                           // open again: a scan asked for now waits…
            scan.requestAfterBurst("a hard-linked file changed");
            assertFalse(scan.isDue());
            scan.request("the watcher was restarted");                // …unless one starts for another reason
            assertTrue(scan.isDue());
            scanOnce(scan);
            assertFalse(scan.isDue(), "the scan that ran covered both");
        }
    }

    /**
     * A tree renamed while its batch uploads leaves rows of new paths whose upload never went (not sent). A scan then
     * counted each as an object to delete: 50 such rows held back the 5 real deletes of the old tree for good
     * ("NOT deleting: … 55 objects"). They count for nothing now.
     */
    @Test
    void rowsOfUploadsThatNeverWentDoNotCountAgainstMaxDeletes(@TempDir Path root, @TempDir Path stateDir) {
        StateDatabase state = new StateDatabase();
        state.setDirectory(stateDir.toString());
        state.start();
        try {
            for (int i = 0; i < 5; i++) {
                state.confirmUploaded(new SyncedFile("old/f" + i, 1, 1_000, 2_000, "1".repeat(64)));
            }
            state.recordPending(IntStream.range(0, 50).mapToObj(i -> "new/f" + i).toList());
            SyncCounters counters = new SyncCounters();
            DeleteGuard guard = new DeleteGuard();
            guard.setRoot(root.toString());
            guard.setDeletes(true);
            guard.setMaxDeletes(10);
            guard.setCounters(counters);
            CatchUpScan scan = new CatchUpScan();
            scan.setRoot(root.toString());
            scan.setState(state);
            scan.setFilter(new PathFilter());
            scan.setDeleteGuard(guard);
            scan.setCounters(counters);
            List<String> found = new ArrayList<>();
            scan.changedPaths().forEachRemaining(found::add);
            scan.finished();
            assertTrue(found.contains("old"), "the old tree's objects go: " + found);
            assertEquals(0, counters.getDeletesHeld());
        } finally {
            state.stop();
        }
    }

    /** Changes that never pause (no batch ever idle) do not keep the scan waiting past its cap. */
    @Test
    void aScanAskedForAfterABurstRunsAtItsCapIfTheChangesNeverPause(@TempDir Path root) throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            LatestChangePerPath batches = new LatestChangePerPath();
            batches.setLanes(new BatchLanes());
            CatchUpScan scan = new CatchUpScan();
            scan.setRoot(root.toString());
            scan.setInterval("0s");
            scan.setBatches(batches);
            scanOnce(scan);
            Exchange event = new DefaultExchange(camel);
            event.getMessage().setBody("always/busy.log");
            batches.aggregate(null, event);                           // a batch stays open
            scan.setAfterBurstMaxMillis(200);
            scan.requestAfterBurst("a hard-linked file changed");
            assertFalse(scan.isDue(), "within the cap it waits");
            // past the cap it runs, batch open or not
            await().atMost(Duration.ofSeconds(30)).until(scan::isDue);
        }
    }

    /** A watcher error that is not the overflow is named by its cause in the scan's line. */
    @Test
    void aWatcherErrorOtherThanTheOverflowIsNamedByItsCause(@TempDir Path root) throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            CatchUpScan scan = new CatchUpScan();
            scan.setRoot(root.toString());
            scan.setInterval("0s");
            scanOnce(scan);
            Exchange failed = new DefaultExchange(camel);
            failed.setProperty(Exchange.EXCEPTION_CAUGHT, new java.io.IOException("watch key no longer valid"));
            scan.requestAfterWatcherError(failed);
            assertEquals("the watcher lost events: it reported IOException: watch key no longer valid",
                    scan.requestedReason());
            assertTrue(scan.isDue());
        }
    }

    /**
     * While the watch limit leaves directories unwatched, scans alone find the changes there: one every 30 s at least
     * (InotifyLimitsTest sets a shorter rescan-interval, which this floor never lengthens), none once all are watched.
     */
    @Test
    void whileDirectoriesAreUnwatchedAScanComesEveryHalfMinute(@TempDir Path root) {
        CatchUpScan scan = new CatchUpScan();
        scan.setRoot(root.toString());
        scan.setInterval("0s");
        assertEquals(0, scan.currentIntervalMillis());
        scan.setSomeDirectoriesUnwatched(true);
        assertEquals(30_000, scan.currentIntervalMillis());
        scan.setSomeDirectoriesUnwatched(false);
        assertEquals(0, scan.currentIntervalMillis());

        scan.setInterval("1h");
        scan.setSomeDirectoriesUnwatched(true);
        assertEquals(30_000, scan.currentIntervalMillis());
        scan.setInterval("5s");
        assertEquals(5_000, scan.currentIntervalMillis());
    }

    private static void scanOnce(CatchUpScan scan) {
        assertTrue(scan.isDue());
        scan.changedPaths();
        scan.finished();
    }
}
