package io.watch2s3.change;

import io.watch2s3.config.Durations;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.stats.ProgressReport;
import io.watch2s3.stats.SyncCounters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
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
 * <p>
 * It also holds back the deletes of objects a new file may be copied from ({@link #actionsDue}) while another batch
 * may still copy from them: a directory moved with more files than sync.max-batch has its old names' deletes in one
 * batch and its new names in several.
 */
public class BatchLanes {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.batch");

    /** A batch of at most this many paths (and at most half of sync.max-batch) takes the quick lane. */
    static final int QUICK_BATCH = 100;

    /** Closed batches that may wait for the big lane's threads; a scan waits while half as many do. */
    static final int WAITING = 8;

    /** The exchange property of a batch being synced: its {@link Turn}. The split's exchanges share it. */
    public static final String TURN = "Watch2S3BatchTurn";

    /**
     * Deletes held back longer than this go at the next batch's end even while others still upload: batches that
     * overlap without a pause for this long would otherwise keep them (and the objects) without end. A copy that then
     * finds its source gone is an upload.
     */
    static final long HOLD_AT_MOST_MILLIS = TimeUnit.MINUTES.toMillis(10);

    private int maxBatch = 10_000;
    private long pauseMillis = 1_000;
    private final Object lock = new Object();
    private int waitingBatches;
    private int waitingPaths;
    private int runningBatches;
    /** Batches being synced whose uploads (and so copies) have not all ended. */
    private int batchesCopying;
    /** Deletes of copy sources held back for the last batch to end, by path. */
    private final Map<String, SyncAction> deletesHeld = new LinkedHashMap<>();
    private long heldSinceMillis;
    private IntSupplier openBatchPaths = () -> 0;
    private StateDatabase state;
    /** Milliseconds now: the system clock; a test's own, to see a hold end without waiting ten minutes. */
    private LongSupplier clock = System::currentTimeMillis;
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

    /** The copies made from objects whose deletes are sent are on the disk first ({@link #actionsDue}). */
    public void setState(StateDatabase state) {
        this.state = state;
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

    void setClock(LongSupplier clock) {
        this.clock = clock;
    }

    /** The paths of the open batch (LatestChangePerPath): new names of a move may still be collected there. */
    void watchOpenBatch(IntSupplier openBatchPaths) {
        this.openBatchPaths = openBatchPaths;
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
    public void batchStarting(Exchange exchange, @Body Batch batch) {
        synchronized (lock) {
            waitingBatches--;
            waitingPaths -= batch.getSize();
            runningBatches++;
            batchesCopying++;
            lock.notifyAll();
        }
        exchange.setProperty(TURN, new Turn());
    }

    /**
     * The actions of the batch's phase to sync now. The first phase's as they are. The second phase's, the deletes
     * of objects a new file may be copied from, are sent only when no other batch may still copy from them: none
     * being synced has uploads left, none waits for a lane, the open batch is empty. Else they are held, and the
     * batch that is the last to end sends them with its own (every batch has this phase, most of them empty). The
     * batch's progress counts what it sends. Before they go, the state database is forced onto the disk: a kill -9
     * must not forget a copy whose source is then deleted. A delete held when watch2s3 stops is found by the next start: its row
     * was marked in doubt when its batch was planned.
     */
    public List<SyncAction> actionsDue(@Body BatchPhase phase, @ExchangeProperty(TURN) Turn turn,
            @ExchangeProperty(ProgressReport.PROPERTY) ProgressReport.BatchProgress progress) {
        if (!phase.copySourceDeletes()) {
            return phase.actions();
        }
        List<SyncAction> due;
        int held;
        synchronized (lock) {
            uploadsEnded(turn);
            long now = clock.getAsLong();
            if (deletesHeld.isEmpty()) {
                heldSinceMillis = now;
            }
            phase.actions().forEach(delete -> deletesHeld.putIfAbsent(delete.path(), delete));
            boolean noCopiesLeft = batchesCopying == 0 && waitingBatches == 0 && openBatchPaths.getAsInt() == 0;
            if (!deletesHeld.isEmpty() && (noCopiesLeft || now - heldSinceMillis >= HOLD_AT_MOST_MILLIS)) {
                due = new ArrayList<>(deletesHeld.values());
                deletesHeld.clear();
            } else {
                due = List.of();
            }
            held = deletesHeld.size();
        }
        if (progress != null) {
            progress.handedOver(phase.actions().size(), due.size());
        }
        if (!due.isEmpty() && state != null) {
            state.makeDurable(); // the copies from these objects: recorded, at most 500 ms ago
        }
        if (!due.isEmpty() || held > 0) {
            LOG.debug("{} deletes of copy sources sent now, {} held while other batches may copy", due.size(), held);
        }
        return due;
    }

    /** Called at the end of sync-batch. */
    public void batchDone(@ExchangeProperty(TURN) Turn turn) {
        synchronized (lock) {
            runningBatches--;
            uploadsEnded(turn); // a batch that failed before its second phase
        }
    }

    private void uploadsEnded(Turn turn) {
        if (turn != null && !turn.uploadsEnded) {
            turn.uploadsEnded = true;
            batchesCopying--;
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

    /** How many deletes of copy sources are held back for the last batch to end. */
    int deletesHeld() {
        synchronized (lock) {
            return deletesHeld.size();
        }
    }

    /** True when no closed batch waits for a lane or is being synced. */
    boolean isIdle() {
        synchronized (lock) {
            return waitingBatches == 0 && runningBatches == 0;
        }
    }

    /** One batch's part in the counts, on its exchange: counted once whichever way the batch ends. */
    public static final class Turn {
        private boolean uploadsEnded;
    }
}
