package io.watch2s3.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batching mechanism on its own: events in, one batch of distinct paths out, closed by size or age. */
class LatestChangePerPathTest {

    private final CamelContext camel = new DefaultCamelContext();
    private final LatestChangePerPath strategy = new LatestChangePerPath();
    private final BatchLanes lanes = new BatchLanes();

    {
        strategy.setLanes(lanes);
    }

    @AfterEach
    void stopCamel() throws Exception {
        camel.close();
    }

    private Exchange event(String path) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(path);
        return exchange;
    }

    private Exchange fold(String... paths) {
        Exchange batch = null;
        for (String path : paths) {
            batch = strategy.aggregate(batch, event(path));
        }
        return batch;
    }

    @Test
    void aPathTheWatcherReportedIsToldFromThoseAScanFound() {
        strategy.setWatcherRoute("main");
        Exchange batchExchange = null;
        for (int i = 0; i < 300; i++) {
            Exchange found = event("found/f" + i);
            found.getExchangeExtension().setFromRouteId("main-catch-up");
            batchExchange = strategy.aggregate(batchExchange, found);
        }
        Exchange fix = event("index.html");
        fix.getExchangeExtension().setFromRouteId("main");
        Batch batch = strategy.aggregate(batchExchange, fix).getMessage().getBody(Batch.class);
        assertEquals(List.of("index.html"), batch.pathsAhead(60_000, 100));
    }

    /** An event from the watcher route, stamped as camel-file-watch stamps it when the file system reports it. */
    private Exchange watched(String path, long seenAtMillis) {
        Exchange exchange = event(path);
        exchange.getExchangeExtension().setFromRouteId("main");
        exchange.getMessage().setHeader(Exchange.MESSAGE_TIMESTAMP, seenAtMillis);
        return exchange;
    }

    @Test
    void aPauseTheFileSystemHadShowsEvenWhenTheWatchersRouteFellBehind() {
        strategy.setWatcherRoute("main");
        long t = System.currentTimeMillis() - 10_000;
        Exchange batchExchange = null;
        for (int i = 0; i < 300; i++) {         // all of them reach the aggregator now, in one rush
            batchExchange = strategy.aggregate(batchExchange, watched("burst/f" + i, t + i / 10));
        }
        batchExchange = strategy.aggregate(batchExchange, watched("index.html", t + 2_000));
        Batch batch = batchExchange.getMessage().getBody(Batch.class);
        assertEquals(List.of("index.html"), batch.pathsAhead(1_000, 100));
        assertEquals(t + 2_000, batch.firstSeen("index.html"), "the latency metric counts from the event");

        Exchange found = event("found.txt");               // a scan's path: its exchange's stamp is not the file's
        found.getExchangeExtension().setFromRouteId("main-catch-up");
        found.getMessage().setHeader(Exchange.MESSAGE_TIMESTAMP, t);
        Batch withFound = strategy.aggregate(batchExchange, found).getMessage().getBody(Batch.class);
        assertTrue(withFound.firstSeen("found.txt") > t + 5_000);
    }

    @Test
    void manyEventsForOnePathAreOnePathInOrderOfFirstAppearance() {
        Batch batch = fold("a.txt", "b.txt", "a.txt", "a.txt", "c/d.txt", "b.txt").getMessage().getBody(Batch.class);
        assertEquals(List.of("a.txt", "b.txt", "c/d.txt"), batch.getPaths());
        assertEquals(3, batch.getSize());
    }

    @Test
    void aPathKeepsTheTimeOfItsFirstEventForTheLatencyMetric() throws Exception {
        Exchange first = fold("a.txt");
        Batch batch = first.getMessage().getBody(Batch.class);
        long firstSeen = batch.firstSeen("a.txt");
        Thread.sleep(5);
        assertSame(first, strategy.aggregate(first, event("a.txt")));
        assertEquals(firstSeen, batch.firstSeen("a.txt"));
        assertEquals(0, batch.firstSeen("never.txt"));
    }

    @Test
    void anEmptyOrMissingPathAddsNothing() {
        Batch batch = fold("", "a.txt", null).getMessage().getBody(Batch.class);
        assertEquals(List.of("a.txt"), batch.getPaths());
    }

    @Test
    void aBatchIsFullAtMaxBatchDistinctPathsNotAtMaxBatchEvents() {
        strategy.setMaxBatch(3);
        Batch batch = fold("a", "a", "a", "b", "b").getMessage().getBody(Batch.class);
        assertFalse(batch.isFull(), "5 events for 2 paths");
        strategy.aggregate(fold("a"), event("b"));
        Exchange three = fold("a", "b", "c");
        assertTrue(three.getMessage().getBody(Batch.class).isFull());
    }

    @Test
    void aFullBatchAsksTheAggregatorToCloseIt() {
        strategy.setMaxBatch(2);
        Exchange one = fold("a", "a");
        assertNull(one.getProperty(ExchangePropertyKey.AGGREGATION_COMPLETE_CURRENT_GROUP), "1 path of 2");
        Exchange two = strategy.aggregate(one, event("b"));
        assertEquals(Boolean.TRUE, two.getProperty(ExchangePropertyKey.AGGREGATION_COMPLETE_CURRENT_GROUP));
        strategy.setMaxBatch(10);
        strategy.setMaxDelay("0s");
        assertEquals(Boolean.TRUE, fold("a").getProperty(ExchangePropertyKey.AGGREGATION_COMPLETE_CURRENT_GROUP),
                "open for sync.max-delay");
    }

    @Test
    void aBatchIsFullOnceItIsMaxDelayOld() {
        strategy.setMaxDelay("1h");
        assertFalse(fold("a").getMessage().getBody(Batch.class).isFull());
        strategy.setMaxDelay("0s");
        assertTrue(fold("a").getMessage().getBody(Batch.class).isFull());
    }

    @Test
    void idleOnlyWhenNoPathWaitsAndNoClosedBatchWaitsOrIsStillBeingSynced() {
        assertTrue(strategy.isIdle());
        Exchange batch = fold("a", "b", "a");
        assertFalse(strategy.isIdle(), "paths wait in an open batch");
        strategy.onCompletion(batch);
        assertEquals(2, lanes.waitingPaths(), "its paths wait for a lane");
        assertFalse(strategy.isIdle(), "the closed batch waits for a lane");
        lanes.batchStarting(batch, batch.getMessage().getBody(Batch.class));
        assertEquals(0, lanes.waitingPaths());
        assertFalse(strategy.isIdle(), "the closed batch is being synced");
        lanes.batchDone(batch.getProperty(BatchLanes.TURN, BatchLanes.Turn.class));
        assertTrue(strategy.isIdle());
    }
}
