package io.watch2s3.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What the pipeline did since start: the figures behind logs, tests and (later) metrics. Thread-safe. */
public class SyncCounters {

    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong bytesUploaded = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong unchanged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong vanished = new AtomicLong();
    private final AtomicLong deletesHeld = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    public void requestStarted() {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    public void uploaded(long bytes) {
        uploaded.incrementAndGet();
        bytesUploaded.addAndGet(bytes);
    }

    public void deleted() {
        deleted.incrementAndGet();
    }

    public void unchanged() {
        unchanged.incrementAndGet();
    }

    public void failed() {
        failed.incrementAndGet();
    }

    public void refused() {
        refused.incrementAndGet();
    }

    public void vanished() {
        vanished.incrementAndGet();
    }

    public void deletesHeld(long count) {
        deletesHeld.addAndGet(count);
    }

    public long getDeletesHeld() {
        return deletesHeld.get();
    }

    public long getUploaded() {
        return uploaded.get();
    }

    public long getBytesUploaded() {
        return bytesUploaded.get();
    }

    public long getDeleted() {
        return deleted.get();
    }

    public long getUnchanged() {
        return unchanged.get();
    }

    public long getFailed() {
        return failed.get();
    }

    public long getRefused() {
        return refused.get();
    }

    public long getVanished() {
        return vanished.get();
    }

    public int getInFlight() {
        return inFlight.get();
    }

    public int getMaxInFlight() {
        return maxInFlight.get();
    }

    @Override
    public String toString() {
        return "uploaded=" + uploaded + " deleted=" + deleted + " unchanged=" + unchanged + " failed=" + failed
                + " refused=" + refused + " vanished=" + vanished + " deletesHeld=" + deletesHeld;
    }
}
