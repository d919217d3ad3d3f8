package io.watch2s3.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.change.SyncAction;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** One turn per path: a second turn waits for the first; an interrupted wait holds nothing and the next turn goes. */
class PathsInFlightTest {

    private final DefaultCamelContext context = new DefaultCamelContext();
    private final PathsInFlight paths = new PathsInFlight();

    @Test
    void aSecondTurnWaitsForTheFirstAndAnInterruptedOneHoldsNothing() throws Exception {
        Exchange first = new DefaultExchange(context);
        paths.claim(first, SyncAction.upload("a.txt", 0));
        CountDownLatch claimed = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                paths.claim(new DefaultExchange(context), SyncAction.upload("a.txt", 0));
                claimed.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        assertFalse(claimed.await(300, TimeUnit.MILLISECONDS), "a second turn of a.txt went while the first ran");
        waiter.interrupt();
        waiter.join(10_000);
        assertEquals(1, paths.size());
        // the interrupted turn never claimed: its release changes nothing
        paths.release(new DefaultExchange(context), null);
        assertEquals(1, paths.size());
        paths.release(first, first.getProperty(PathsInFlight.CLAIMED, String.class));
        assertEquals(0, paths.size());
        Exchange next = new DefaultExchange(context);
        paths.claim(next, SyncAction.upload("a.txt", 0));
        assertTrue(paths.size() == 1 && "a.txt".equals(next.getProperty(PathsInFlight.CLAIMED)));
    }
}
