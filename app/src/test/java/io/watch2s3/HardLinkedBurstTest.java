package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A tree hard-linked in (a local {@code git clone}, {@code cp -al}): every new name has another one, so each asks for
 * a scan to find its other names. Those scans ran beside the burst's batches and found the burst's own files not
 * synced yet, ten times over (a 4,735-file clone took 89 s instead of 8). One scan after the burst finds what they
 * looked for.
 */
class HardLinkedBurstTest extends ProxiedS3TestBase {

    private static final int FILES = 150;

    @Test
    void aTreeHardLinkedInIsScannedOnceAfterItsBatchesAndEachFileIsSentOnce() throws Exception {
        Path source = dir.resolve("source");                    // outside the tree, as a clone's source repository
        for (int i = 0; i < FILES; i++) {
            write(source, "f" + i + ".txt", "object " + i);
        }
        Files.createDirectories(tree.resolve("linked"));
        var held = proxy.when(r -> r.isPut() && r.key().startsWith("linked/")).hold();
        try (LogCapture log = new LogCapture();
                TestApp app = startThroughProxy(Map.of("sync.max-batch", "50"))) {
            CatchUpScan scan = app.bean("catchUpScan", CatchUpScan.class);
            await().atMost(LONG).until(scan::isSettled);
            int scansBefore = scans(log);
            for (int i = 0; i < FILES; i++) {
                Files.createLink(tree.resolve("linked/f" + i + ".txt"), source.resolve("f" + i + ".txt"));
            }
            held.awaitArrival(LONG);
            // the burst's batches upload (held): no scan runs beside them
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> scans(log) == scansBefore);
            assertTrue(log.lines(Level.INFO, "CatchUpScan").stream()
                    .anyMatch(l -> l.startsWith("catch-up scan requested once the changes being synced are done")));
            held.release();
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == FILES);
            await().atMost(LONG).until(() -> scans(log) == scansBefore + 1 && scan.isSettled());
            long puts = proxy.requests().stream().filter(r -> r.request().isPut()).count();
            assertEquals(FILES, puts, "each file sent once");
            aLaterChangeStillArrives();
        }
    }

    /** The catch-up scans that ran to their end: each logs one line. */
    private static int scans(LogCapture log) {
        return (int) log.lines(Level.INFO, "CatchUpScan").stream()
                .filter(l -> l.startsWith("catch-up scan: ")).count();
    }
}
