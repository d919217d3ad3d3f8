package io.watch2s3.sync;

import io.watch2s3.change.SyncAction;
import io.watch2s3.log.LogSafe;
import java.util.HashSet;
import java.util.Set;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches run side by side (a one-file change does not wait for a 10,000-file burst), so one path can be in two of
 * them. This keeps each path to one turn at a time, and no batch waits for another's: a turn that finds its path held
 * by another batch hands it on, and the path is looked at again (the disk and the state database decide anew) as soon
 * as the holding turn ends. So S3 ends with the newest content (the later look uploads it, or finds it already there),
 * never with an older upload that finished last.
 *
 * <p>Waiting for the holder instead held the waiting batch's thread for as long as that upload took: a large file going
 * up for minutes, or a log file that changes at every sync.max-delay, put one batch after another on hold, until the
 * quick lane had no thread left for a one-line fix.
 */
public class PathsInFlight {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.sync");

    /** The exchange property that holds the path this file's turn claimed. */
    public static final String CLAIMED = "Watch2S3ClaimedPath";

    private final Set<String> busy = new HashSet<>();
    /** Paths a turn handed on while they were held: looked at again when their holder lets go. */
    private final Set<String> handedOn = new HashSet<>();
    private RetryQueue retryQueue;

    /** Where a path handed on goes back into the pipeline (its "look again" paths go within a second). */
    public void setRetryQueue(RetryQueue retryQueue) {
        this.retryQueue = retryQueue;
    }

    /**
     * True when this turn now holds the action's path. False when another turn holds it: this turn ends here, and the
     * path goes back into the pipeline once that turn ends (or, if that turn failed, with the files that wait for S3).
     */
    public boolean claimOrHandOn(Exchange exchange, @Body SyncAction action) {
        String path = action.path();
        synchronized (busy) {
            if (!busy.add(path)) {
                handedOn.add(path);
                LOG.debug("{} is being synced by another batch: looked at again once that turn ends",
                        LogSafe.name(path));
                return false;
            }
        }
        exchange.setProperty(CLAIMED, path);
        return true;
    }

    /** Lets the path go, whatever happened to this turn; a turn that handed it on meanwhile gets it looked at again. */
    public void release(Exchange exchange, @ExchangeProperty(CLAIMED) String path) {
        if (path == null) {
            return; // this turn never held a path
        }
        exchange.removeProperty(CLAIMED);
        boolean lookAgain;
        synchronized (busy) {
            busy.remove(path);
            lookAgain = handedOn.remove(path);
        }
        if (lookAgain) {
            retryQueue.lookAgainUnlessWaiting(path);
        }
    }

    /** Paths being synced now. */
    public int size() {
        synchronized (busy) {
            return busy.size();
        }
    }
}
