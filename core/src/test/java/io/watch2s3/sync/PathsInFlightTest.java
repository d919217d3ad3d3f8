package io.watch2s3.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.change.SyncAction;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * One turn per path, and no turn waits for another: a second turn of a held path hands it on, and the path is looked
 * at again once, when the first turn lets go.
 */
class PathsInFlightTest {

    private final DefaultCamelContext context = new DefaultCamelContext();
    private final RetryQueue retryQueue = new RetryQueue();
    private final PathsInFlight paths = new PathsInFlight();

    PathsInFlightTest() {
        paths.setRetryQueue(retryQueue);
    }

    @Test
    void aSecondTurnOfAHeldPathHandsItOnAndThePathIsLookedAtAgainWhenTheFirstLetsGo() {
        Exchange first = new DefaultExchange(context);
        assertTrue(paths.claimOrHandOn(first, SyncAction.upload("a.txt", 0)));
        Exchange second = new DefaultExchange(context);
        Exchange third = new DefaultExchange(context);
        assertFalse(paths.claimOrHandOn(second, SyncAction.upload("a.txt", 0)), "a second turn went while the first ran");
        assertFalse(paths.claimOrHandOn(third, SyncAction.delete("a.txt", 0)));
        assertNull(second.getProperty(PathsInFlight.CLAIMED), "a turn that handed its path on holds nothing");
        assertTrue(paths.claimOrHandOn(new DefaultExchange(context), SyncAction.upload("b.txt", 0)),
                "another path goes");
        // the turns that handed a.txt on end: nothing changes, the first still holds it
        paths.release(second, second.getProperty(PathsInFlight.CLAIMED, String.class));
        assertEquals(2, paths.size());
        assertEquals(0, retryQueue.size(), "looked at again only once the holder lets go");

        paths.release(first, first.getProperty(PathsInFlight.CLAIMED, String.class));
        assertEquals(1, paths.size());
        assertEquals(1, retryQueue.size(), "a.txt goes back into the pipeline once, however many turns handed it on");
        Exchange next = new DefaultExchange(context);
        assertTrue(paths.claimOrHandOn(next, SyncAction.upload("a.txt", 0)));
        assertEquals("a.txt", next.getProperty(PathsInFlight.CLAIMED));
        paths.release(next, "a.txt");
        assertEquals(1, retryQueue.size(), "a path nobody handed on is not looked at again");
    }

    /**
     * The holding turn failed and left its path waiting for S3: the path handed on waits with it rather than going at
     * once (while S3 counts as down it would have gone as the probe, a key S3 had just failed).
     */
    @Test
    void aPathHandedOnWhileItsHolderFailedWaitsWithTheFilesThatWaitForS3() {
        Exchange first = new DefaultExchange(context);
        assertTrue(paths.claimOrHandOn(first, SyncAction.upload("a.txt", 0)));
        assertFalse(paths.claimOrHandOn(new DefaultExchange(context), SyncAction.upload("a.txt", 0)));
        retryQueue.waitForRecovery("a.txt");    // what the holder's failure did before its turn ended
        paths.release(first, first.getProperty(PathsInFlight.CLAIMED, String.class));
        assertEquals(1, retryQueue.size(), "a.txt waits once, for S3, and is not looked at again at once");
    }
}
