package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Level;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
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
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "4"))) {
            IntStream.range(0, 40).forEach(i -> write(tree, "burst/f" + i + ".txt", "burst " + i));
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

    @Test
    void aFifthBatchRunsOnTheThreadThatClosedItAndTheNextWaitsForItWithoutLoss() throws Exception {
        var held = proxy.when(r -> r.isPut() && r.key().startsWith("held/")).hold();
        try (TestApp app = startThroughProxy(Map.of("sync.parallelism", "8"))) {
            for (int i = 1; i <= 5; i++) {
                write(tree, "held/f" + i + ".txt", "batch " + i);
                int uploading = i;
                // its own batch (a quiet period after the last), uploading now and held there
                await().atMost(LONG).until(() -> held.arrivals().size() == uploading);
            }
            // four batches hold the batch pool's threads; the fifth holds the thread that closed it, so the batch
            // this file opens cannot close yet: it waits, and is not dropped
            write(tree, "held/f6.txt", "after the fifth");
            held.release();
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 6);
            assertEquals("after the fifth", s3.getText(bucket, "held/f6.txt"));
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
        }
    }
}
