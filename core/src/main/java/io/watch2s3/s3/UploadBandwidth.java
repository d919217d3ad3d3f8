package io.watch2s3.s3;

import com.google.common.util.concurrent.RateLimiter;
import io.watch2s3.config.BandwidthLimit;
import java.time.LocalDateTime;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * s3.bandwidth-limit for one pair: every byte its uploads send (PUTs and parts alike, all of them together) passes
 * {@link #take} on its way to the socket, at most the limit per second. Guava's RateLimiter spaces them out; after a
 * quiet second it lets one second's worth go at once, as rclone's token bucket does. A timetable's rate is looked up
 * again at most once a second. While Camel stops, the limit no longer holds: the uploads in flight get the stop's grace
 * period (camel.main.shutdown-timeout) to end, and a throttled one cut off there would be sent again, whole, by the
 * next start.
 */
public class UploadBandwidth implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(UploadBandwidth.class);
    private static final long LOOK_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(1);

    private BandwidthLimit limit = BandwidthLimit.parse("off");
    private volatile Runnable whenMoving = () -> { };
    private String pair = "";
    private CamelContext camelContext;
    private final RateLimiter limiter = RateLimiter.create(BandwidthLimit.SMALLEST);
    private final LongAdder bytesTaken = new LongAdder();
    private final LongAdder nanosWaited = new LongAdder();
    private volatile long bytesPerSecond;
    private volatile long lookAgainAt = System.nanoTime();

    /** s3.bandwidth-limit: a rate per second, off, or a timetable (see {@link BandwidthLimit}). */
    public void setLimit(String text) {
        this.limit = BandwidthLimit.parse(text);
    }

    /** Told whenever limited bytes went out: the stalled-backlog check counts them as progress. */
    public void whenMoving(Runnable whenMoving) {
        this.whenMoving = whenMoving;
    }

    public void setPair(String pair) {
        this.pair = pair;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** Whether uploads are ever limited: if not, their bodies go to the socket untouched. */
    public boolean limitsAtSomeTime() {
        return limit.limitsAtSomeTime();
    }

    /**
     * The most an upload should read and send before it asks for more: a 64th of a second's worth (1KB to 64KB). Every
     * upload in flight waits its turn for each portion, so the portions must be small enough that none of them goes
     * quiet for long: S3 drops a request that sends nothing for about 20 s (RequestTimeout), and with 512 uploads at
     * the smallest limit, 64KB/s, a turn comes round every 8 s.
     */
    int portion() {
        long rate = currentBytesPerSecond();
        return rate == 0 ? Integer.MAX_VALUE : (int) Math.min(64 << 10, Math.max(1 << 10, rate / 64));
    }

    /** Blocks until {@code bytes} more may be sent. */
    void take(int bytes) {
        bytesTaken.add(bytes);
        if (currentBytesPerSecond() == 0 || (camelContext != null && camelContext.isStopping())) {
            return;
        }
        double seconds = limiter.acquire(bytes);
        nanosWaited.add((long) (seconds * 1e9));
        // a file going up slowly by design is no stall, even when it takes longer than sync.stall-timeout
        whenMoving.run();
    }

    /** Bytes that passed since start, limited or not at the time. */
    public long bytesTaken() {
        return bytesTaken.sum();
    }

    /** Seconds uploads waited for the limit since start, all of them added up. */
    public double secondsWaited() {
        return nanosWaited.sum() / 1e9;
    }

    /** The limit in force now, in bytes per second; 0 for none. */
    public long currentBytesPerSecond() {
        long now = System.nanoTime();
        if (now - lookAgainAt >= 0) {
            lookUpRate(now);
        }
        return bytesPerSecond;
    }

    private synchronized void lookUpRate(long now) {
        if (now - lookAgainAt < 0) {
            return;
        }
        long rate = limit.bytesPerSecondAt(LocalDateTime.now());
        if (rate != bytesPerSecond) {
            if (rate > 0) {
                limiter.setRate(rate);
            }
            LOG.info("{}: uploads {}", pair, rate == 0 ? "no longer limited" : "limited to " + describe(rate) + " per second");
            bytesPerSecond = rate;
        }
        lookAgainAt = now + LOOK_AGAIN_NANOS;
    }

    private static String describe(long rate) {
        return rate % (1 << 20) == 0 ? (rate >> 20) + "MB" : rate % (1 << 10) == 0 ? (rate >> 10) + "KB" : rate + "B";
    }
}
