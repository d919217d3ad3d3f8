package io.watch2s3.stats;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * rclone --stats for a big batch (a catch-up, a git clone): every sync.progress-interval one line with done/total,
 * files/s, MB/s, failures and ETA, and a summary when the batch is done. Small batches stay silent. Batches run side
 * by side, so each keeps its own figures (on its exchange), and each big one has its own lines, named by the batch's
 * number (the pair's batches counted from its start, small ones included).
 */
public class ProgressReport {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.progress");
    /** Batches smaller than this are over before a progress line would help. */
    private static final int REPORTED_FROM = 200;
    /** The exchange property that holds the batch's figures; the split's exchanges share it. */
    public static final String PROPERTY = "Watch2S3BatchProgress";

    private final Set<BatchProgress> running = ConcurrentHashMap.newKeySet();
    private final AtomicLong batches = new AtomicLong();
    private SyncCounters counters;

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    public void batchStarted(Exchange exchange, @Body List<?> actions) {
        BatchProgress batch = new BatchProgress(batches.incrementAndGet(), actions.size());
        exchange.setProperty(PROPERTY, batch);
        running.add(batch);
    }

    /**
     * One file's turn ended: {@code bytesSent} by an upload S3 confirmed, found {@code unchanged}, or {@code failed};
     * or it did not begin ({@code notBegun}: watch2s3 is stopping, the next start syncs it). Counted on its own batch:
     * with batches side by side, the pair's counters would put a small batch's files in the big one's line too
     * (4683/4683 files, 13018 unchanged).
     */
    public void fileDone(BatchProgress batch, long bytesSent, boolean unchanged, boolean failed, boolean notBegun) {
        if (batch != null) {
            batch.bytes.addAndGet(bytesSent);
            batch.unchanged.addAndGet(unchanged ? 1 : 0);
            batch.failed.addAndGet(failed ? 1 : 0);
            (notBegun ? batch.notBegun : batch.done).incrementAndGet();
        }
        counters.fileDone();
    }

    public void batchFinished(@ExchangeProperty(PROPERTY) BatchProgress batch) {
        if (batch != null && running.remove(batch) && batch.total >= REPORTED_FROM) {
            long failed = batch.failed.get();
            if (batch.notBegun.get() > 0) {
                // a stop: the files not begun are not done (the line said 3000/3000 files, 100 %)
                LOG.info("batch {} stopped: {}", batch.number, batch.line());
            } else if (failed == 0) {
                LOG.info("batch {} done: {}", batch.number, batch.line());
            } else {
                LOG.warn("batch {} ended with {} of its files failed: {}",
                        batch.number, failed, batch.line());
            }
        }
    }

    /** Called every sync.progress-interval. */
    public void report() {
        for (BatchProgress batch : running) {
            if (batch.total >= REPORTED_FROM) {
                LOG.info("progress of batch {}: {}", batch.number, batch.line());
            }
        }
    }

    /** One batch's figures. */
    public static final class BatchProgress {
        private final AtomicLong done = new AtomicLong();
        private final AtomicLong notBegun = new AtomicLong();
        private final AtomicLong unchanged = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();
        private final long number;
        private volatile int total;
        private final long startedNanos = System.nanoTime();

        BatchProgress(long number, int total) {
            this.number = number;
            this.total = total;
        }

        /**
         * The batch's copy-source deletes ({@code planned}) were held for the last batch to end, and it sends
         * {@code sent} deletes now, its own and those other batches held: each counts where it is sent.
         */
        public synchronized void handedOver(int planned, int sent) {
            total += sent - planned;
        }

        public int getTotal() {
            return total;
        }

        String line() {
            long files = done.get();
            double seconds = Math.max(1e-3, (System.nanoTime() - startedNanos) / 1e9);
            double rate = files / seconds;
            double mbPerSecond = bytes.get() / seconds / (1 << 20);
            long notBegunNow = notBegun.get();
            long left = total - files - notBegunNow;
            String eta = left == 0 ? "0s" : rate <= 0 ? "unknown" : formatSeconds((long) Math.ceil(left / rate));
            return String.format(Locale.ROOT,
                    "%d/%d files (%d%%), %.1f files/s, %.2f MB/s, %d unchanged, %d failed, %s%s elapsed",
                    files, total, total == 0 ? 100 : files * 100 / total, rate, mbPerSecond,
                    unchanged.get(), failed.get(), notBegunNow > 0 ? notBegunNow + " left for the next start, "
                    : "ETA " + eta + ", ", formatSeconds((long) seconds));
        }
    }

    private static String formatSeconds(long seconds) {
        long h = TimeUnit.SECONDS.toHours(seconds);
        long m = TimeUnit.SECONDS.toMinutes(seconds) % 60;
        long s = seconds % 60;
        return h > 0 ? h + "h" + m + "m" : m > 0 ? m + "m" + s + "s" : s + "s";
    }
}
