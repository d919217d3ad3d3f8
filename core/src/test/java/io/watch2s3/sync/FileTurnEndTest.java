package io.watch2s3.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.change.Fingerprint;
import io.watch2s3.change.FilePlan;
import io.watch2s3.change.SyncAction;
import io.watch2s3.stats.ProgressReport;
import io.watch2s3.stats.SyncCounters;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * The end of a file's turn lets go of what the batch's split would otherwise keep until the batch ends: a small file's
 * bytes, in its plan and as the upload's body (2,000 files of 200 KB filled a 256 MB heap before it did).
 */
class FileTurnEndTest {

    private final DefaultCamelContext context = new DefaultCamelContext();

    @Test
    void theFilesPathIsReleasedItCountsAsDoneAndItsBytesAreNoLongerHeld() throws Exception {
        PathsInFlight paths = new PathsInFlight();
        SyncCounters counters = new SyncCounters();
        ProgressReport progress = new ProgressReport();
        progress.setCounters(counters);
        FileTurnEnd end = new FileTurnEnd();
        end.setPathsInFlight(paths);
        end.setProgressReport(progress);

        counters.batchPlanned(1);
        Exchange batch = new DefaultExchange(context);
        progress.batchStarted(batch, List.of(SyncAction.upload("a.bin", 0)));
        Exchange file = new DefaultExchange(context);
        file.setProperty(ProgressReport.PROPERTY, batch.getProperty(ProgressReport.PROPERTY));
        assertTrue(paths.claimOrHandOn(file, SyncAction.upload("a.bin", 0)));
        byte[] bytes = new byte[200 * 1024];
        FilePlan.Upload upload = new FilePlan.Upload("a.bin",
                new Fingerprint(bytes.length, 0, 0, "sha", "md5", false), 0, bytes);
        file.setProperty(FilePlan.PROPERTY, upload);
        file.getMessage().setBody(bytes);

        end.endTurn(file);

        assertEquals(0, paths.size(), "the path is free for its next turn");
        assertEquals(0, counters.getBacklog(), "the file counts as done");
        assertNull(file.getProperty(FilePlan.PROPERTY), "its plan, with the file's bytes, is let go");
        assertNull(file.getMessage().getBody(), "its body, the file's bytes, is let go");
    }
}
