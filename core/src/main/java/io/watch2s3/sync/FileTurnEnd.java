package io.watch2s3.sync;

import io.watch2s3.change.FilePlan;
import io.watch2s3.stats.ProgressReport;
import io.watch2s3.state.StateDatabase;
import org.apache.camel.Exchange;

/**
 * The end of one file's turn in its batch, whatever happened to it: its path is released for the next turn and the
 * file counts as done. One bean step on purpose: when the file's error handler handled a failure, the exchange comes
 * back marked as handled, and Camel (4.17) then runs only the first step of the doFinally around it. With release and
 * fileDone as two steps, a failed file was never counted done: the backlog stayed above 0 for good and the backlog
 * health check went DOWN after sync.stall-timeout of quiet.
 *
 * <p>It also lets go of the file's plan and body, which hold a small file's bytes: the batch's split keeps every file's
 * exchange until the whole batch is done, and 2,000 files of 200 KB then filled a 256 MB heap.
 */
public class FileTurnEnd {

    private PathsInFlight pathsInFlight;
    private ProgressReport progressReport;
    private StateDatabase state;
    private PartedUploads partedUploads;

    public void setPathsInFlight(PathsInFlight pathsInFlight) {
        this.pathsInFlight = pathsInFlight;
    }

    public void setProgressReport(ProgressReport progressReport) {
        this.progressReport = progressReport;
    }

    /** A skipped file's turn (vanished, there again, refused before) ends its batch's doubt on the row. */
    public void setState(StateDatabase state) {
        this.state = state;
    }

    /** A multipart upload the turn did not complete is aborted. */
    public void setPartedUploads(PartedUploads partedUploads) {
        this.partedUploads = partedUploads;
    }

    /** Called in the doFinally of the file's turn. */
    public void endTurn(Exchange exchange) {
        try {
            if (state != null && exchange.getMessage().getBody() instanceof FilePlan.Skip skip) {
                state.turnEnded(skip.path());
            }
        } catch (RuntimeException e) {
            // the state database fails: the row stays in doubt, and the next start syncs the path again
        } finally {
            if (partedUploads != null) {
                partedUploads.abortUnfinished(exchange);
            }
            releaseAndCount(exchange);
        }
    }

    private void releaseAndCount(Exchange exchange) {
        try {
            pathsInFlight.release(exchange, exchange.getProperty(PathsInFlight.CLAIMED, String.class));
        } finally {
            progressReport.fileDone(exchange.getProperty(ProgressReport.PROPERTY, ProgressReport.BatchProgress.class),
                    exchange.getProperty(ConfirmedRequests.BYTES_SENT, 0L, Long.class),
                    exchange.getMessage().getBody() instanceof FilePlan.Unchanged,
                    exchange.getProperty(FileFailures.FAILED, false, Boolean.class),
                    exchange.getProperty(FileTurnStart.NOT_BEGUN, false, Boolean.class));
            exchange.removeProperty(FilePlan.PROPERTY);
            exchange.getMessage().setBody(null);
        }
    }
}
