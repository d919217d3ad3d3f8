package io.watch2s3.s3;

import io.watch2s3.config.BandwidthLimit;
import io.watch2s3.config.OwnSettings;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;

/**
 * s3.bandwidth-limit for one pair: every byte its uploads send (PUTs and parts alike, all of them together) passes
 * {@link #take} on its way to the socket, at most the limit per second ({@link BandwidthRate}). A pair that sets
 * s3.bandwidth-limit as its own parameter has a limit of its own; the pairs that take the host's value share one, so
 * that one uplink's limit holds for all of them together, as a single rclone --bwlimit would. While Camel stops, the
 * limit no longer holds: the uploads in flight get the stop's grace period (camel.main.shutdown-timeout) to end, and a
 * throttled one cut off there would be sent again, whole, by the next start.
 */
public class UploadBandwidth implements CamelContextAware {

    /** The rate the pairs without a limit of their own share, bound once in the Camel registry. */
    static final String SHARED = "watch2s3SharedBandwidth";
    private static final String KEY = "s3.bandwidth-limit";

    private BandwidthLimit limit = BandwidthLimit.parse("off");
    private volatile Runnable whenMoving = () -> { };
    private String pair = "";
    private CamelContext camelContext;
    private volatile BandwidthRate rate;
    private final LongAdder bytesTaken = new LongAdder();
    private final LongAdder nanosWaited = new LongAdder();

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
        double seconds = rate().acquire(bytes);
        nanosWaited.add((long) (seconds * 1e9));
        // a file going up slowly by design is no stall, even when it takes longer than sync.stall-timeout
        whenMoving.run();
    }

    /** Bytes that passed since start, limited or not at the time. */
    public long bytesTaken() {
        return bytesTaken.sum();
    }

    /** Seconds this pair's uploads waited for the limit since start, all of them added up. */
    public double secondsWaited() {
        return nanosWaited.sum() / 1e9;
    }

    /** The limit in force now, in bytes per second; 0 for none. */
    public long currentBytesPerSecond() {
        return rate().current();
    }

    private BandwidthRate rate() {
        BandwidthRate known = rate;
        if (known == null) {
            known = rate = ownOrShared();
        }
        return known;
    }

    /**
     * Decided at the first upload, once every pair of the host has been added: the pair's own limit when it sets
     * s3.bandwidth-limit as a parameter, else the one all such pairs share.
     */
    private synchronized BandwidthRate ownOrShared() {
        if (rate != null) {
            return rate;
        }
        OwnSettings own = camelContext == null ? null
                : camelContext.getRegistry().findSingleByType(OwnSettings.class);
        if (own == null || own.setsItself(pair, KEY)) {
            return new BandwidthRate(limit, pair);
        }
        synchronized (camelContext) {
            BandwidthRate shared = camelContext.getRegistry().lookupByNameAndType(SHARED, BandwidthRate.class);
            if (shared == null) {
                List<String> sharing = own.takingTheHosts(KEY);
                shared = new BandwidthRate(limit, sharing.size() <= 1 ? pair
                        : "the pairs " + String.join(", ", sharing) + " together");
                camelContext.getRegistry().bind(SHARED, shared);
            }
            return shared;
        }
    }
}
