package io.watch2s3.sync;

import io.watch2s3.health.BucketProbe;
import io.watch2s3.health.S3Health;
import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.stats.SyncCounters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The paths given up on that come back by themselves, without waiting for their next change or the hourly scan:
 * those that waited for S3 or the state database go back into the pipeline as soon as it works again (or, failing a
 * sign of that, every 30 s); while S3 is down, one of them at a time goes as the probe that finds out whether it
 * answers again: first those set aside without being sent, as S3 has not failed them yet (a key that a server fails
 * for good must not be every probe while new files wait behind it); when only files that failed in this outage wait,
 * the probe is a HeadBucket instead (see {@link S3Health#isBucketProbeDue}). A key S3 fails by itself while it
 * accepts others waits on its own, ever longer: 30 s, then 1 min, 2, 4 … up to an hour between tries (at its next
 * change it goes at once anyway, and when S3 answers again after an outage, as the outage may have been its cause).
 * Paths that changed under an upload go back at once. The route's timer calls {@link #takeDue} every second. Held
 * in memory and bounded: past 100,000 paths it keeps none and has the tree scanned instead. A restart loses nothing:
 * its catch-up scan finds every path the state database does not show as synced.
 */
public class RetryQueue {

    private static final Logger LOG = LoggerFactory.getLogger(RetryQueue.class);
    private static final long RETRY_EVERY_MILLIS = 30_000;
    /** A probe that never came back (its file needed no request after all) frees the place after this long. */
    private static final long PROBE_PATIENCE_MILLIS = 60_000;
    private static final long FIRST_KEY_PAUSE_MILLIS = 30_000;
    private static final long LONGEST_KEY_PAUSE_MILLIS = 3_600_000;
    /**
     * A key handed out that has not failed again within this long is forgotten (it went through, or changed): its
     * next failure starts again from the first pause.
     */
    private static final long KEY_FORGOTTEN_AFTER_MILLIS = 600_000;

    private final Set<String> lookAgain = new LinkedHashSet<>();
    /** Sent, and S3 did not answer (or the state database failed them). */
    private final Set<String> waiting = new LinkedHashSet<>();
    /** Not sent: S3 already counted as down. */
    private final Set<String> setAside = new LinkedHashSet<>();
    /** Keys S3 fails by itself, and when each is tried again. */
    private final Map<String, Long> keysDue = new LinkedHashMap<>();
    /** The pause a failing key last waited, and when it was handed out (-1: not yet): doubled at its next failure. */
    private final Map<String, KeyPause> keyPauses = new HashMap<>();
    /** Milliseconds now: the system clock; a test's own, to see the pauses grow without waiting an hour. */
    private LongSupplier clock = System::currentTimeMillis;
    private int maxPaths = 100_000;
    private boolean overflowed;
    /** The path handed out as the probe while S3 is down, until it comes back or S3 answers. */
    private String probe;
    private long probeSinceMillis;
    private long lastDrainMillis = clock.getAsLong();
    /** S3Health's last recovery that this queue acted on (its own clock may differ from S3Health's). */
    private long recoverySeenMillis;
    private S3Health s3;
    private StateDatabase state;
    private CatchUpScan scan;
    private BucketProbe bucketProbe;

    public void setS3(S3Health s3) {
        this.s3 = s3;
    }

    public void setState(StateDatabase state) {
        this.state = state;
    }

    public void setScan(CatchUpScan scan) {
        this.scan = scan;
    }

    public void setBucketProbe(BucketProbe bucketProbe) {
        this.bucketProbe = bucketProbe;
    }

    public void setCounters(SyncCounters counters) {
        counters.watchWaiting(this::size);
    }

    /** How many paths are kept at most (100,000); past that, a scan replaces them. */
    public void setMaxPaths(int maxPaths) {
        this.maxPaths = maxPaths;
    }

    void setClock(LongSupplier clock) {
        this.clock = clock;
        this.lastDrainMillis = clock.getAsLong();
    }

    /** The file changed or vanished while it was being synced: the disk decides again what it needs. */
    public synchronized void lookAgain(String path) {
        keep(lookAgain, path);
    }

    /**
     * Another batch's turn handed the path on while a turn synced it: the disk decides again at once, unless that
     * turn left the path waiting here (for S3, the state database, or its key's pause). Then it comes back when its
     * wait ends, like any path that failed: sent again at once, it would be a request S3 has just failed, and while
     * S3 counts as down it would go as the probe that is to tell whether S3 answers again.
     */
    public synchronized void lookAgainUnlessWaiting(String path) {
        if (!waiting.contains(path) && !setAside.contains(path) && !keysDue.containsKey(path)) {
            keep(lookAgain, path);
        }
    }

    /** The file waits for S3 or the state database to work again. */
    public synchronized void waitForRecovery(String path) {
        setAside.remove(path);
        keysDue.remove(path);
        keep(waiting, path);
    }

    /**
     * S3 fails this key by itself while it accepts others: it is tried again after a pause twice as long as the last
     * (30 s at first, an hour at most). Every try is a request, and such a key fails for as long as its cause stays.
     */
    public synchronized void waitForKey(String path) {
        if (path == null) {
            return;
        }
        waiting.remove(path);
        setAside.remove(path);
        long now = clock.getAsLong();
        KeyPause last = keyPauses.get(path);
        long pause;
        if (last == null || forgotten(last, now)) {
            pause = FIRST_KEY_PAUSE_MILLIS;
        } else if (last.handedOutMillis() < 0) {
            pause = last.millis(); // failed again before its try: it changed meanwhile
        } else {
            pause = Math.min(2 * last.millis(), LONGEST_KEY_PAUSE_MILLIS);
        }
        if (!keysDue.containsKey(path) && (overflowed || size() >= maxPaths)) {
            overflow(); // rolls up into a scan like the others
            return;
        }
        keyPauses.put(path, new KeyPause(pause, -1));
        keysDue.put(path, now + pause);
    }

    /**
     * The file waits for S3 to answer again without having been sent: it is among the first probes, unless it
     * failed in this very outage (its second event came while it was failing, say): then it says nothing new.
     */
    public synchronized void setAside(String path) {
        if (path != null && s3.failedInThisOutage(path)) {
            waitForRecovery(path);
            return;
        }
        waiting.remove(path);
        keysDue.remove(path);
        keep(setAside, path);
        if (setAside.contains(path)) {
            s3.freshFileWaits();
        }
    }

    /** Once over the bound, no path is kept until the scan that replaces them all has been asked for. */
    private void keep(Set<String> set, String path) {
        if (path != null && path.equals(probe)) {
            probe = null; // the probe is back: S3 still does not answer
        }
        if (path == null || overflowed) {
            return;
        }
        if (size() >= maxPaths) {
            overflow();
        } else {
            set.add(path);
        }
    }

    private void overflow() {
        if (!overflowed) {
            LOG.warn("more than {} files wait for a retry: keeping none of them; the tree is scanned once S3 and the"
                    + " state database work again", maxPaths);
        }
        overflowed = true;
        waiting.clear();
        setAside.clear();
        keysDue.clear();
        keyPauses.clear();
    }

    /** How many paths wait (for the gauge watch2s3_files_waiting). */
    public synchronized int size() {
        return lookAgain.size() + waiting.size() + setAside.size() + keysDue.size();
    }

    /** The paths to put back into the pipeline now (called every second by the route). */
    public List<String> takeDue() {
        boolean stateBack = state.keepUsable();
        if (stateBack) {
            scan.request("the state database works again: finding what it did not record meanwhile");
        }
        List<String> due = new ArrayList<>();
        if (takeDue(stateBack, due)) {
            bucketProbe.askTheBucket(); // outside the lock: files that fail meanwhile are set aside as usual
        }
        return due;
    }

    /** Fills {@code due}; true when the probe due now is a HeadBucket. */
    private synchronized boolean takeDue(boolean stateBack, List<String> due) {
        due.addAll(lookAgain);
        lookAgain.clear();
        if (waiting.isEmpty() && setAside.isEmpty() && keysDue.isEmpty() && !overflowed) {
            recoverySeenMillis = s3.getLastRecoveryMillis(); // nothing waited for it
            return false;
        }
        if (state.isBroken()) {
            return false;
        }
        long now = clock.getAsLong();
        if (s3.isDown()) {
            boolean probeFree = probe == null || now - probeSinceMillis > PROBE_PATIENCE_MILLIS;
            if (!probeFree || !s3.isProbeDue() || (waiting.isEmpty() && setAside.isEmpty())) {
                return false;
            }
            if (setAside.isEmpty() && bucketProbe != null && s3.isBucketProbeDue(waiting)) {
                return true;
            }
            Iterator<String> first = (setAside.isEmpty() ? waiting : setAside).iterator();
            probe = first.next();
            probeSinceMillis = now;
            first.remove();
            due.add(probe);
            return false;
        }
        probe = null;
        boolean s3Back = s3.getLastRecoveryMillis() != recoverySeenMillis;
        recoverySeenMillis = s3.getLastRecoveryMillis();
        takeDueKeys(s3Back ? Long.MAX_VALUE : now, now, due);
        if (stateBack || s3Back || now - lastDrainMillis >= RETRY_EVERY_MILLIS) {
            lastDrainMillis = now;
            due.addAll(waiting);
            waiting.clear();
            due.addAll(setAside);
            setAside.clear();
            if (overflowed) {
                overflowed = false;
                scan.request("more files waited for a retry than were kept");
            }
        }
        return false;
    }

    /**
     * The failing keys whose pause is over by {@code until} (all of them when S3 answers again after an outage); and
     * the ones handed out long ago that did not fail again are forgotten.
     */
    private void takeDueKeys(long until, long now, List<String> due) {
        for (Iterator<Map.Entry<String, Long>> it = keysDue.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> key = it.next();
            if (key.getValue() <= until) {
                it.remove();
                due.add(key.getKey());
                keyPauses.computeIfPresent(key.getKey(), (path, pause) -> new KeyPause(pause.millis(), now));
            }
        }
        keyPauses.values().removeIf(p -> forgotten(p, now));
    }

    private static boolean forgotten(KeyPause pause, long now) {
        return pause.handedOutMillis() >= 0 && now - pause.handedOutMillis() > KEY_FORGOTTEN_AFTER_MILLIS;
    }

    private record KeyPause(long millis, long handedOutMillis) {
    }
}
