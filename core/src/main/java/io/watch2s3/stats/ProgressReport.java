package io.watch2s3.stats;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * rclone --stats for a big batch (a catch-up, a git clone): every sync.progress-interval one line with done/total,
 * files/s, MB/s, failures and ETA, and a summary when the batch is done. Small batches stay silent.
 */
public class ProgressReport {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.progress");
    /** Batches smaller than this are over before a progress line would help. */
    private static final int REPORTED_FROM = 200;

    private final AtomicLong done = new AtomicLong();
    private SyncCounters counters;
    private volatile int total;
    private volatile long startedNanos;
    private volatile long failedAtStart;
    private volatile long bytesAtStart;

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    public void batchStarted(@Body java.util.List<?> actions) {
        int files = actions.size();
        done.set(0);
        failedAtStart = counters.getFailed();
        bytesAtStart = counters.getBytesUploaded();
        startedNanos = System.nanoTime();
        total = files;
    }

    public void fileDone() {
        done.incrementAndGet();
        counters.fileDone();
    }

    public void batchFinished() {
        if (total >= REPORTED_FROM) {
            LOG.info("batch done: {}", line());
        }
        total = 0;
    }

    /** Called every sync.progress-interval. */
    public void report() {
        if (total >= REPORTED_FROM) {
            LOG.info("progress: {}", line());
        }
    }

    private String line() {
        long files = done.get();
        double seconds = Math.max(1e-3, (System.nanoTime() - startedNanos) / 1e9);
        double rate = files / seconds;
        double mbPerSecond = (counters.getBytesUploaded() - bytesAtStart) / seconds / (1 << 20);
        long left = total - files;
        String eta = left == 0 ? "0s" : rate <= 0 ? "unknown" : formatSeconds((long) Math.ceil(left / rate));
        return String.format(Locale.ROOT, "%d/%d files (%d%%), %.1f files/s, %.2f MB/s, %d failed, ETA %s, %s elapsed",
                files, total, total == 0 ? 100 : files * 100 / total, rate, mbPerSecond,
                counters.getFailed() - failedAtStart, eta, formatSeconds((long) seconds));
    }

    private static String formatSeconds(long seconds) {
        long h = TimeUnit.SECONDS.toHours(seconds);
        long m = TimeUnit.SECONDS.toMinutes(seconds) % 60;
        long s = seconds % 60;
        return h > 0 ? h + "h" + m + "m" : m > 0 ? m + "m" + s + "s" : s + "s";
    }
}
