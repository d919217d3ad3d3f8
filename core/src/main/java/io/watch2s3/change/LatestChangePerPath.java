package io.watch2s3.change;

import io.watch2s3.config.Durations;
import io.watch2s3.stats.SyncCounters;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;

/**
 * Folds file events into a {@link Batch}: one entry per path, however many events it had. The body of each incoming
 * exchange is the path relative to watch.dir. A batch that is full (sync.max-batch paths, or sync.max-delay old) is
 * closed by this strategy itself, through the aggregator's CamelAggregationCompleteCurrentGroup property: a
 * completionPredicate in Simple ({@code ${body.full}}) cost a reflective call per file event, 15 % of the watcher
 * thread's CPU in a 10,000-file burst.
 */
public class LatestChangePerPath implements AggregationStrategy {

    private int maxPaths = 10_000;
    private long maxAgeMillis = 30_000;
    private final AtomicInteger waiting = new AtomicInteger();
    private BatchLanes lanes = new BatchLanes();
    private String watcherRoute;

    /** The pair's meters: the paths of the open batch, and of closed ones that wait for a lane, count in its backlog. */
    public void setCounters(SyncCounters counters) {
        counters.watchCollecting(() -> waiting.get() + lanes.waitingPaths());
    }

    /** Where closed batches wait for their turn. */
    public void setLanes(BatchLanes lanes) {
        this.lanes = lanes;
        lanes.watchOpenBatch(waiting::get);
    }

    /**
     * The id of the route that reads the file watcher's events (the pair's name): a path it reported, in a batch of
     * what a catch-up scan found, goes ahead of them ({@link Batch#pathsAhead}).
     */
    public void setWatcherRoute(String watcherRoute) {
        this.watcherRoute = watcherRoute;
    }

    public String getWatcherRoute() {
        return watcherRoute;
    }

    /** sync.max-batch: a batch closes when it holds this many paths. */
    public void setMaxBatch(int maxBatch) {
        this.maxPaths = maxBatch;
    }

    /** sync.max-delay, e.g. "30s": a batch closes this long after its first event. */
    public void setMaxDelay(String maxDelay) {
        this.maxAgeMillis = Durations.parse("sync.max-delay", maxDelay).toMillis();
    }

    @Override
    public Exchange aggregate(Exchange batchExchange, Exchange event) {
        String path = event.getMessage().getBody(String.class);
        boolean watched = watcherRoute != null && watcherRoute.equals(event.getFromRouteId());
        long now = System.currentTimeMillis();
        // The time the watcher saw the change (camel-file-watch stamps each event as it comes from the file system):
        // its route may fall seconds behind during a burst, and a pause must show where the file system had one.
        long seen = watched && event.getMessage().getMessageTimestamp() > 0
                ? Math.min(event.getMessage().getMessageTimestamp(), now) : now;
        if (batchExchange == null) {
            Batch batch = new Batch(now, maxPaths, maxAgeMillis);
            addPath(batch, path, watched, seen);
            event.getMessage().setBody(batch);
            return closedIfFull(event, batch);
        }
        return closedIfFull(batchExchange,
                addPath(batchExchange.getMessage().getBody(Batch.class), path, watched, seen));
    }

    private static Exchange closedIfFull(Exchange batchExchange, Batch batch) {
        if (batch.isFull()) {
            batchExchange.setProperty(ExchangePropertyKey.AGGREGATION_COMPLETE_CURRENT_GROUP, true);
        }
        return batchExchange;
    }

    private Batch addPath(Batch batch, String path, boolean watched, long seenAtMillis) {
        if (path != null && !path.isEmpty()) {
            int before = batch.getSize();
            if (watched) {
                batch.addWatched(path, seenAtMillis);
            } else {
                batch.add(path, seenAtMillis);
            }
            waiting.addAndGet(batch.getSize() - before);
        }
        return batch;
    }

    /** The batch closed (on the thread that closed it): from now on it waits for a lane. */
    @Override
    public void onCompletion(Exchange exchange) {
        Batch batch = exchange.getMessage().getBody(Batch.class);
        lanes.closed(batch);
        waiting.addAndGet(-batch.getSize());
    }

    /** How many paths the open batch holds. */
    public int getOpenPaths() {
        return waiting.get();
    }

    /** True when no path waits in an open batch and no closed batch waits for a lane or is being synced. */
    public boolean isIdle() {
        return waiting.get() == 0 && lanes.isIdle();
    }
}
