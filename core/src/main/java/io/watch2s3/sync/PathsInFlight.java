package io.watch2s3.sync;

import io.watch2s3.change.SyncAction;
import java.util.HashSet;
import java.util.Set;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;

/**
 * Batches run side by side (a one-file change does not wait for a 10,000-file burst), so one path can be in two of
 * them. This keeps each path to one file at a time: a file's turn waits while the same path is being synced by
 * another batch, and then looks at the disk and the state database as they are now. So S3 ends with the newest
 * content (the later turn uploads it, or finds it already there), never with an older upload that finished last.
 *
 * <p>A small set under one lock: a thread holds at most one path, so no two threads can wait for each other.
 */
public class PathsInFlight {

    /** The exchange property that holds the path this file's turn claimed. */
    public static final String CLAIMED = "Watch2S3ClaimedPath";

    private final Set<String> busy = new HashSet<>();

    /** Waits until no other turn holds the action's path, then holds it. */
    public void claim(Exchange exchange, @Body SyncAction action) throws InterruptedException {
        String path = action.path();
        synchronized (busy) {
            while (busy.contains(path)) {
                busy.wait();
            }
            busy.add(path);
        }
        exchange.setProperty(CLAIMED, path);
    }

    /** Lets the next turn of the path go; called whatever happened to this one. */
    public void release(Exchange exchange, @ExchangeProperty(CLAIMED) String path) {
        if (path == null) {
            return; // the claim itself was interrupted
        }
        exchange.removeProperty(CLAIMED);
        synchronized (busy) {
            busy.remove(path);
            busy.notifyAll();
        }
    }

    /** Paths being synced now. */
    public int size() {
        synchronized (busy) {
            return busy.size();
        }
    }
}
