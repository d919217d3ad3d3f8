package io.watch2s3.change;

import io.watch2s3.config.Durations;
import io.watch2s3.stats.SyncCounters;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Body;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a closed batch waits for its turn, so that no change waits behind a burst and no thread that reads changes
 * waits for a batch to sync. The batch route asks it which lane a batch takes:
 * <ul>
 *   <li>the quick lane, for a batch of a few paths (a fix made while a deploy uploads): it never queues behind a
 *       burst's batches;</li>
 *   <li>the big lane, for the rest: up to {@link #WAITING} batches wait there for a thread;</li>
 *   <li>neither, when the big lane is full (a burst of more than about 12 × sync.max-batch files): the batch is set
 *       aside and a catch-up scan finds its paths again, so memory stays bounded however big the burst is.</li>
 * </ul>
 * A batch that closed with a fix among many other paths (a burst's last files, or what a catch-up scan found) is
 * first parted: the fix goes ahead on its own ({@link #quickPartFirst}).
 * A catch-up scan is held back instead ({@link #awaitRoomForScan}): it can wait, and it finds what it then has
 * not reached yet anyway. The counts are also the part of the backlog that waits for a lane.
 */
public class BatchLanes {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.batch");

    /** A batch of at most this many paths (and at most half of sync.max-batch) takes the quick lane. */
    static final int QUICK_BATCH = 100;

    /** Closed batches that may wait for the big lane's threads; a scan waits while half as many do. */
    static final int WAITING = 8;

    private int maxBatch = 10_000;
    private long pauseMillis = 1_000;
    private final Object lock = new Object();
    private int waitingBatches;
    private int waitingPaths;
    private int runningBatches;
    private SyncCounters counters;
    private DeleteGuard deleteGuard;
    private volatile long lastWarnedMillis;

    /** The pair's meters: paths set aside count in watch2s3_paths_set_aside_total. */
    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    /** With deletes mirrored, only regular files are parted from a batch: the guard judges a batch's deletes at once. */
    public void setDeleteGuard(DeleteGuard deleteGuard) {
        this.deleteGuard = deleteGuard;
    }

    /** sync.max-batch */
    public void setMaxBatch(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    /**
     * sync.quiet-period, e.g. "5s": a fifth of it, without events, is the pause after which a change no longer
     * counts as part of the burst before it.
     */
    public void setQuietPeriod(String quietPeriod) {
        this.pauseMillis = Math.max(1, Durations.parse("sync.quiet-period", quietPeriod).toMillis() / 5);
    }

    /** The aggregator closed the batch: it waits for a lane from now on. */
    void closed(Batch batch) {
        synchronized (lock) {
            waitingBatches++;
            waitingPaths += batch.getSize();
        }
    }

    /**
     * The batch to sync, and ahead of it, as a quick batch of their own, the few paths that must not wait for the
     * rest ({@link Batch#pathsAhead}): a fix made a second after a deploy ended, closed in one batch with the deploy's
     * last files (within their quiet period), or made while the first start's scan uploads the whole tree. It would
     * otherwise wait behind all of them, and behind the batches queued before. Each path is in one of the two parts,
     * so parting them changes nothing else.
     */
    public List<Batch> quickPartFirst(@Body Batch batch) {
        if (quickLaneTakes(batch)) {
            return List.of(batch);
        }
        List<String> paths = batch.pathsAhead(pauseMillis, quickBatchLimit());
        // with deletes mirrored, the delete guard must still see all of the batch's deletes at once
        if (paths.isEmpty() || (deleteGuard != null && !deleteGuard.holdsNoDeletes(paths))) {
            return List.of(batch);
        }
        Batch ahead = batch.take(paths);
        synchronized (lock) {
            waitingBatches++;   // one closed batch became two; the paths waiting are the same
        }
        LOG.debug("{} paths go ahead of the {} others of their batch", ahead.getSize(), batch.getSize());
        return List.of(ahead, batch);
    }

    private int quickBatchLimit() {
        return Math.min(QUICK_BATCH, maxBatch / 2);
    }

    /**
     * True for a batch of a few paths that is not full: a burst closed at a small sync.max-batch stays in the big
     * lane, however few paths each of its batches holds.
     */
    public boolean quickLaneTakes(@Body Batch batch) {
        return batch.getSize() <= quickBatchLimit();
    }

    /** True while at most {@link #WAITING} closed batches, this one included, wait for a lane. */
    public boolean bigLaneTakes() {
        synchronized (lock) {
            return waitingBatches <= WAITING;
        }
    }

    /** Called at the start of sync-batch: the batch left its lane's queue and is being synced. */
    public void batchStarting(@Body Batch batch) {
        synchronized (lock) {
            waitingBatches--;
            waitingPaths -= batch.getSize();
            runningBatches++;
            lock.notifyAll();
        }
    }

    /** Called at the end of sync-batch. */
    public void batchDone() {
        synchronized (lock) {
            runningBatches--;
        }
    }

    /**
     * Neither lane takes the batch: its paths are dropped and the caller asks for a catch-up scan, which finds every
     * one of them by comparing the tree with the state database, as after a lost event.
     */
    public void setAside(@Body Batch batch) {
        synchronized (lock) {
            waitingBatches--;
            waitingPaths -= batch.getSize();
            lock.notifyAll();
        }
        if (counters != null) {
            counters.countSetAside(batch.getSize());
        }
        long now = System.currentTimeMillis();
        if (now - lastWarnedMillis >= TimeUnit.MINUTES.toMillis(1)) { // one line per burst, not one per batch
            lastWarnedMillis = now;
            LOG.warn("a burst of changes fills the batch queue ({} batches wait): {} paths are left to a catch-up scan"
                    + " rather than held in memory", WAITING, batch.getSize());
        } else {
            LOG.debug("{} more paths left to a catch-up scan", batch.getSize());
        }
    }

    /**
     * Holds the catch-up scan's walk while half of {@link #WAITING} closed batches wait: a scan that finds a million
     * changed files never holds more than a few batches of them in memory, and it leaves the rest of the big lane to
     * the watcher. Returns early when the thread is interrupted (the interrupt is kept).
     */
    public void awaitRoomForScan() {
        synchronized (lock) {
            while (waitingBatches >= WAITING / 2) {
                try {
                    lock.wait(TimeUnit.SECONDS.toMillis(1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The paths of closed batches that wait for a lane, for the backlog. */
    int waitingPaths() {
        synchronized (lock) {
            return waitingPaths;
        }
    }

    /** True when no closed batch waits for a lane or is being synced. */
    boolean isIdle() {
        synchronized (lock) {
            return waitingBatches == 0 && runningBatches == 0;
        }
    }
}
