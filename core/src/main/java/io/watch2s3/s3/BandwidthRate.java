package io.watch2s3.s3;

import com.google.common.util.concurrent.RateLimiter;
import io.watch2s3.config.BandwidthLimit;
import java.time.LocalDateTime;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One s3.bandwidth-limit: the rate in force now (a timetable's looked up again at most once a second) and Guava's
 * RateLimiter that spaces out the bytes sent under it. After a quiet second it lets one second's worth go at once, as
 * rclone's token bucket does. A pair that sets s3.bandwidth-limit itself has its own; the pairs that take the host's
 * value share one, so that the host's limit holds for all of their uploads together (see UploadBandwidth).
 */
final class BandwidthRate {

    private static final Logger LOG = LoggerFactory.getLogger(UploadBandwidth.class);
    private static final long LOOK_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final BandwidthLimit limit;
    private final String whose;
    private final RateLimiter limiter = RateLimiter.create(BandwidthLimit.SMALLEST);
    private volatile long bytesPerSecond;
    private volatile long lookAgainAt = System.nanoTime();

    /** {@code whose}: the uploads it holds back, for its log line ("main", "the pairs main, docs"). */
    BandwidthRate(BandwidthLimit limit, String whose) {
        this.limit = limit;
        this.whose = whose;
    }

    /** Blocks until {@code bytes} more may be sent; the seconds it waited. */
    double acquire(int bytes) {
        return limiter.acquire(bytes);
    }

    /** The limit in force now, in bytes per second; 0 for none. */
    long current() {
        long now = System.nanoTime();
        if (now - lookAgainAt >= 0) {
            lookUp(now);
        }
        return bytesPerSecond;
    }

    private synchronized void lookUp(long now) {
        if (now - lookAgainAt < 0) {
            return;
        }
        long rate = limit.bytesPerSecondAt(LocalDateTime.now());
        if (rate != bytesPerSecond) {
            if (rate > 0) {
                limiter.setRate(rate);
            }
            LOG.info("{}: uploads {}", whose, rate == 0 ? "no longer limited"
                    : "limited to " + describe(rate) + " per second");
            bytesPerSecond = rate;
        }
        lookAgainAt = now + LOOK_AGAIN_NANOS;
    }

    private static String describe(long rate) {
        return rate % (1 << 20) == 0 ? (rate >> 20) + "MB" : rate % (1 << 10) == 0 ? (rate >> 10) + "KB" : rate + "B";
    }
}
