package io.watch2s3.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.stats.SyncCounters;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** The backlog check goes DOWN only when files wait and nothing moved for sync.stall-timeout. */
class BacklogCheckTest {

    private final SyncCounters counters = new SyncCounters();

    private HealthCheck.State check() {
        WatchHealthChecks.Backlog backlog = new WatchHealthChecks.Backlog();
        backlog.setCamelContext(new DefaultCamelContext());
        backlog.setCounters(counters);
        backlog.setStallTimeout("1s");
        return backlog.call().getState();
    }

    @Test
    void theFirstChangeAfterAQuietSpellIsNoStall() throws Exception {
        Thread.sleep(1_200); // quiet for longer than the stall timeout: nothing waits, nothing finishes
        counters.batchPlanned(3);
        assertEquals(HealthCheck.State.UP, check(), "the stall clock starts with the batch, not at the last file done");
    }

    @Test
    void aRequestS3ConfirmsIsProgressWhileNoFileFinishes() throws Exception {
        counters.batchPlanned(1);
        Thread.sleep(1_200);
        assertEquals(HealthCheck.State.DOWN, check(), "one file waits and nothing moved");
        counters.requestConfirmed(); // a part of the large file
        assertEquals(HealthCheck.State.UP, check());
        counters.fileDone();
        assertTrue(counters.getBacklog() == 0);
    }
}
