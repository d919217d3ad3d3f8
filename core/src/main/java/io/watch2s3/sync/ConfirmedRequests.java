package io.watch2s3.sync;

import io.watch2s3.change.FilePlan;
import io.watch2s3.change.Fingerprint;
import io.watch2s3.log.LogSafe;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.stats.SyncCounters;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The step right after S3 confirmed a file's request: the state database records it (only now: a crash before this
 * costs a repeated request, never a lost one), the counters count it and one line says it. A failure here is the
 * file's failure, handled like any other.
 */
public class ConfirmedRequests {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.sync");
    /** The size of a file whose upload S3 confirmed, on its exchange: its batch's progress line counts it. */
    static final String BYTES_SENT = "Watch2S3BytesSent";

    private StateDatabase state;
    private SyncCounters counters;
    private boolean dryRun;

    public void setState(StateDatabase state) {
        this.state = state;
    }

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    /** sync.dry-run: nothing was sent, and the line says what would have been. */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    public void recordConfirmed(Exchange exchange, @ExchangeProperty(FilePlan.PROPERTY) FilePlan plan) {
        String key = LogSafe.name(ObjectRequests.keyOf(exchange.getMessage()));
        if (plan instanceof FilePlan.Upload upload) {
            Fingerprint fp = upload.fingerprint();
            state.confirmUploaded(fp.row(upload.path()));
            // a multipart upload a run left and this one went on with, or parts S3 copied before a copy in parts
            // turned into the upload: only the rest was sent now
            long leftInS3 = exchange.getProperty(PartedUploads.BYTES_LEFT_IN_S3, 0L, Long.class);
            long copied = exchange.getProperty(PartedUploads.BYTES_COPIED_IN_S3, 0L, Long.class);
            counters.countUploaded(fp.size() - leftInS3 - copied, upload.firstSeenMillis());
            exchange.setProperty(BYTES_SENT, fp.size() - leftInS3 - copied);
            LOG.info("{} {} ({} bytes{}{})", dryRun ? "dry run: would upload" : "uploaded", key, fp.size(),
                    leftInS3 == 0 ? "" : ", " + leftInS3 + " of them sent by the last run",
                    copied == 0 ? "" : ", " + copied + " of them copied in S3");
        } else if (plan instanceof FilePlan.Copy copy) {
            Fingerprint fp = copy.upload().fingerprint();
            state.confirmUploaded(fp.row(copy.path()));
            counters.countCopied(copy.upload().firstSeenMillis());
            exchange.setProperty(BYTES_SENT, fp.size());
            if (copy.sourcePath().equals(copy.path())) {
                LOG.info("{} {} in S3 with the file's newer mtime (the same {} bytes, not uploaded)",
                        dryRun ? "dry run: would copy onto itself" : "copied onto itself", key, fp.size());
            } else {
                LOG.info("{} {} to {} in S3 ({} bytes not uploaded)", dryRun ? "dry run: would copy" : "copied",
                        LogSafe.name(ObjectRequests.sourceKeyOf(exchange.getMessage())), key, fp.size());
            }
        } else if (plan instanceof FilePlan.Delete delete) {
            state.confirmDeleted(delete.path());
            counters.countDeleted(delete.firstSeenMillis());
            LOG.info("{} {}", dryRun ? "dry run: would delete" : "deleted", key);
        } else {
            throw new IllegalStateException("no request was sent for " + plan);
        }
    }
}
