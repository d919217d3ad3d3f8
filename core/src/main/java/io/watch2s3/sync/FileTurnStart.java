package io.watch2s3.sync;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a file of a batch may begin its turn. Once Camel stops (SIGTERM), the files not begun yet are left: the batch
 * recorded them as pending or in doubt before its first request, so the next start's scan syncs them. Camel's graceful
 * stop waits for the whole batch otherwise, and a 10,000-file batch on a slow S3 outlasted the shutdown timeout: the
 * stop was forced, with interrupted requests and screens of stack traces (an outside probe).
 */
public class FileTurnStart {

    private static final Logger LOG = LoggerFactory.getLogger(FileTurnStart.class);
    /** Exchange property: true on a file whose turn did not begin because watch2s3 is stopping. */
    public static final String NOT_BEGUN = "watch2s3.notBegun";

    private final AtomicBoolean said = new AtomicBoolean();

    /** False once Camel is stopping. */
    public boolean mayBegin(Exchange exchange) {
        if (!exchange.getContext().isStopping()) {
            return true;
        }
        if (said.compareAndSet(false, true)) {
            LOG.info("stopping: the uploads under way finish; the files not begun yet are synced at the next start");
        }
        exchange.setProperty(NOT_BEGUN, true);
        return false;
    }
}
