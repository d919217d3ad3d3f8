package io.watch2s3.scan;

import io.watch2s3.change.BatchLanes;
import io.watch2s3.change.DeleteGuard;
import io.watch2s3.change.LatestChangePerPath;
import io.watch2s3.change.PathFilter;
import io.watch2s3.change.TreeScan;
import io.watch2s3.config.Durations;
import io.watch2s3.failure.Failure;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.log.LogSafe;
import io.watch2s3.s3.ObjectKeys;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.stats.SyncCounters;
import io.watch2s3.tree.FileStat;
import io.watch2s3.tree.OnDisk;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what changed while nobody was watching by walking watch.dir against the state database — never by listing
 * the bucket. A stat per file; a file counts as changed when it has no row or its size, mtime or ctime differ (hashing
 * happens later, only for those). Paths with a row but no file, and directories that vanished, are reported too, so
 * the planner can delete their objects. Lazy: one directory's worth of paths in memory at a time.
 */
public class CatchUpScan implements TreeScan, CamelContextAware {

    private CamelContext camelContext;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }


    private static final Logger LOG = LoggerFactory.getLogger(CatchUpScan.class);

    /** A scan asked for after a burst runs at the latest this long after it was asked for. */
    static final long AFTER_BURST_MAX = TimeUnit.MINUTES.toMillis(10);
    private long afterBurstMaxMillis = AFTER_BURST_MAX;

    private Path root;
    private StateDatabase state;
    private PathFilter filter;
    private DeleteGuard deleteGuard;
    private BatchLanes lanes = new BatchLanes();
    private long intervalMillis;
    private volatile long lastStartMillis;
    private final AtomicReference<String> requested = new AtomicReference<>("start-up");
    /** A scan asked for once no batch is open or syncing ({@link #requestAfterBurst}), and since when. */
    private final AtomicReference<String> afterBurst = new AtomicReference<>();
    private volatile long afterBurstSinceMillis;
    private java.util.function.BooleanSupplier noBatchPending = () -> true;
    private volatile int directoriesSeen;
    /** Directories the last walk could not list (permissions), at most a thousand: see {@link #listableAgain}. */
    private volatile List<String> unlisted = List.of();
    private volatile long lastWalkMillis;
    private volatile boolean someDirectoriesUnwatched;
    private volatile boolean scanning;
    private volatile long foundByLastWalk;
    private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger completedScans = new java.util.concurrent.atomic.AtomicInteger();
    private volatile String lastFailure;
    private volatile boolean failedThisTime;
    private volatile long notBeforeMillis;
    private boolean retryFailed = true;
    private final Map<String, Long> loggedFailures = new java.util.concurrent.ConcurrentHashMap<>();
    private SyncCounters counters;

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    public void setState(StateDatabase state) {
        this.state = state;
    }

    public void setFilter(PathFilter filter) {
        this.filter = filter;
    }

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    /** How many times a scan was asked for (watcher errors, restarts), not counting start-up and the period. */
    public int getRequests() {
        return requests.get();
    }

    /** True when at least one scan ran to its end, none runs now and none is due. */
    public boolean isSettled() {
        return completedScans.get() > 0 && !scanning && requested.get() == null && afterBurst.get() == null;
    }

    /** false with --once: a scan that failed is reported by the exit code, not tried again. */
    public void setRetryFailed(boolean retryFailed) {
        this.retryFailed = retryFailed;
    }

    /** Why the last scan failed, or null when it ran to its end. */
    public String getLastFailure() {
        return lastFailure;
    }

    /**
     * The walk failed half-way (the state database failing, most likely): what it did not reach is unknown, so the
     * scan runs again in 30 s. Logged once per cause.
     */
    public void scanFailed(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String why = cause == null ? "unknown cause" : String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
        lastFailure = why;
        failedThisTime = true;
        if (loggedFailures.put(why, System.currentTimeMillis()) == null) {
            LOG.error("catch-up scan failed: {}{}", LogSafe.name(why), retryFailed ? "; it runs again in 30 s" : "");
        }
        if (retryFailed) {
            notBeforeMillis = System.currentTimeMillis() + 30_000;
            requested.compareAndSet(null, "the last scan failed");
        }
    }

    public void setDeleteGuard(DeleteGuard deleteGuard) {
        this.deleteGuard = deleteGuard;
    }

    /** The walk pauses while closed batches pile up in them, rather than holding a million changed paths. */
    public void setLanes(BatchLanes lanes) {
        this.lanes = lanes;
    }

    /** The open and closed batches: a scan asked for after a burst waits until none is open or syncing. */
    public void setBatches(LatestChangePerPath batches) {
        this.noBatchPending = batches::isIdle;
    }

    /** sync.rescan-interval, e.g. "1h"; 0 scans only at start and when asked. */
    public void setInterval(String interval) {
        this.intervalMillis = Durations.parse("sync.rescan-interval", interval).toMillis();
    }

    /**
     * Asks for a scan soon (the watcher lost events, was restarted, or S3 came back). Requests made while a scan
     * runs lead to one more scan after it, never to two at once.
     */
    @Override
    public void request(String reason) {
        requests.incrementAndGet();
        notBeforeMillis = 0; // a reason to scan now outweighs the back-off of a scan that failed
        if (requested.getAndSet(reason) == null) {
            LOG.info("catch-up scan requested: {}", reason);
        }
    }

    /**
     * Asks for a scan once no batch is open or syncing, or {@link #AFTER_BURST_MAX} after the first such request if
     * the changes never pause. Requests made meanwhile are the same scan: a local {@code git clone} hard-links
     * thousands of files in, each asking for one, and ten scans ran beside its batches (ten times as long).
     */
    @Override
    public void requestAfterBurst(String reason) {
        requests.incrementAndGet();
        if (afterBurst.compareAndSet(null, reason)) {
            afterBurstSinceMillis = System.currentTimeMillis();
            LOG.info("catch-up scan requested once the changes being synced are done: {}", reason);
        }
    }

    /** For tests: how long a scan asked for after a burst may wait for it ({@link #AFTER_BURST_MAX}). */
    void setAfterBurstMaxMillis(long millis) {
        this.afterBurstMaxMillis = millis;
    }

    /** Why the next scan was asked for, as its line says; null when none is due for a reason. */
    String requestedReason() {
        return requested.get();
    }

    /**
     * The watcher reported an error (an event-queue overflow, a lost watch): events may be lost. The line names it:
     * "an error" alone left the user guessing whether to raise fs.inotify.max_queued_events.
     */
    public void requestAfterWatcherError(Exchange exchange) {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        // camel-file-watch 4.17 turns the kernel's overflow event (it has no path) into a NullPointerException
        String what = error instanceof NullPointerException
                ? "its event queue overflowed (fs.inotify.max_queued_events)"
                : "it reported " + Failure.describe(error);
        request("the watcher lost events: " + what);
    }

    /** A burst's batch found no room to wait in (BatchLanes): the scan finds its paths again. */
    public void requestForSetAsideBatch() {
        request("a burst filled the batch queue: its latest paths are found by a scan");
    }

    /** True when a scan should start now: asked for, or sync.rescan-interval has passed since the last one. */
    public boolean isDue() {
        long now = System.currentTimeMillis();
        String waiting = afterBurst.get();
        if (waiting != null && (noBatchPending.getAsBoolean() || now - afterBurstSinceMillis >= afterBurstMaxMillis)
                && afterBurst.compareAndSet(waiting, null)) {
            requested.compareAndSet(null, waiting);
            notBeforeMillis = 0;
        }
        long interval = currentIntervalMillis();
        return now >= notBeforeMillis && (requested.get() != null
                || (interval > 0 && now - lastStartMillis >= interval));
    }

    /**
     * While some directories are not watched (the inotify watch limit), changes there are found by scans alone: one
     * at least every 30 s, or every 20 walks' time when a walk takes longer (at most 5 % of the time spent walking).
     */
    public long currentIntervalMillis() {
        if (!someDirectoriesUnwatched) {
            return intervalMillis;
        }
        long often = Math.max(30_000, 20 * lastWalkMillis);
        return intervalMillis > 0 ? Math.min(intervalMillis, often) : often;
    }

    /** Set by WatcherCheck while the watcher cannot watch every directory. */
    public void setSomeDirectoriesUnwatched(boolean unwatched) {
        this.someDirectoriesUnwatched = unwatched;
    }

    @Override
    public synchronized boolean cannotList(String dir) {
        if (unlisted.contains(dir) || unlisted.size() >= 1000) {
            return false;
        }
        List<String> more = new ArrayList<>(unlisted);
        more.add(dir);
        unlisted = List.copyOf(more);
        return true;
    }

    /**
     * One of the directories the last walk could not list (permissions) that can be listed now, or null. The
     * watcher could not watch it either, so a chmod that opens it is a change nothing else reports: the files written
     * into it right after waited for the next periodic scan.
     */
    public String listableAgain() {
        for (String dir : unlisted) {
            Path absolute = root.resolve(dir);
            if (OnDisk.canList(absolute)) {
                unlisted = List.of(); // the scan that follows finds those still closed
                return dir;
            }
        }
        return null;
    }

    /** How many directories the last complete scan walked (the watcher needs one inotify watch for each). */
    public int directoriesSeen() {
        return directoriesSeen;
    }

    /** The relative paths that may differ from what S3 holds, found as the walk goes. */
    public Iterator<String> changedPaths() {
        String reason = requested.getAndSet(null);
        afterBurst.set(null); // what it waits for happened before this walk, which finds it
        lastStartMillis = System.currentTimeMillis();
        scanning = true;
        failedThisTime = false;
        foundByLastWalk = 0;
        LOG.debug("catch-up scan starts ({})", reason == null ? "periodic" : reason);
        if (!Files.isDirectory(root)) {
            LOG.error("catch-up scan: watch.dir {} is missing or not a directory; nothing scanned, nothing deleted", root);
            return java.util.Collections.emptyIterator();
        }
        return new Walk();
    }

    /**
     * Called by the route once every path of the walk went into a batch (in a finally block, so a walk that failed
     * half-way ends too). Not at the end of the iteration: the splitter looks ahead, so the last path is still on
     * its way when the iterator says it has no more.
     */
    public void finished() {
        if (!failedThisTime) {
            lastFailure = null;
            loggedFailures.clear();
        }
        scanning = false;
        completedScans.incrementAndGet();
    }

    /**
     * True when the last walk found paths to check. They changed while no one watched (while stopped, or in events
     * the watcher lost), so they have long been written: their batch closes now rather than after a quiet period.
     */
    public boolean foundChanges() {
        if (foundByLastWalk == 0) {
            return false;
        }
        awaitCamelStarted();
        return true;
    }

    /**
     * The first scan runs while Camel still starts the other routes. Its batch is closed by completing the
     * aggregator's groups, which the aggregator refuses until Camel has started: a walk that ended earlier left its
     * files waiting a quiet period (an outside probe saw it once in 45 --once runs). So it waits for the start here.
     */
    void awaitCamelStarted() {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (camelContext != null && camelContext.getStatus().isStarting() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Walk implements Iterator<String> {
        private final Deque<String> directories = new ArrayDeque<>();
        private final Deque<String> found = new ArrayDeque<>();
        /** Paths whose objects would be deleted; kept to max-deletes + 1 entries, counted in full. */
        private final Deque<String> vanished = new ArrayDeque<>();
        private long vanishedObjects;
        private final Set<String> visited = new HashSet<>();
        private final List<String> notListed = new ArrayList<>();
        private final long startedNanos = System.nanoTime();
        private long files;
        private long changed;
        private boolean vanishedDirectoriesChecked;
        private boolean reported;
        private boolean failed;
        private final EntriesPassedBy passedBy = new EntriesPassedBy();

        Walk() {
            directories.push("");
        }

        @Override
        public boolean hasNext() {
            if (failed) {
                return false; // the split asks again after a failure: no summary of a walk that did not finish
            }
            try {
                return findNext();
            } catch (RuntimeException e) {
                failed = true;
                throw e;
            }
        }

        private boolean findNext() {
            while (found.isEmpty()) {
                if (!directories.isEmpty()) {
                    visit(directories.pop());
                } else if (!vanishedDirectoriesChecked) {
                    vanishedDirectoriesChecked = true;
                    if (deleteGuard.isEnabled()) {
                        findVanishedDirectories();
                        releaseDeletes();
                    }
                } else {
                    if (!reported) {
                        reported = true;
                        directoriesSeen = visited.size();
                        unlisted = List.copyOf(notListed);
                        lastWalkMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
                        counters.scanned(files, System.nanoTime() - startedNanos);
                        LOG.info("catch-up scan: {} files in {} directories, {} to check, {} ms{}", files, visited.size(),
                                changed, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos),
                                passedBy.summary());
                    }
                    return false;
                }
            }
            return true;
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            lanes.awaitRoomForScan();
            foundByLastWalk = ++changed;
            return found.pop();
        }

        private void visit(String dir) {
            Map<String, SyncedFile> known = new HashMap<>();
            for (SyncedFile row : state.inDirectory(dir)) {
                known.put(row.path(), row);
            }
            Path absolute = dir.isEmpty() ? root : root.resolve(dir);
            if (!dir.isEmpty() && OnDisk.look(root, dir) != OnDisk.DIRECTORY) {
                if (!ObjectKeys.isWellFormed(dir)) {
                    // a name of bytes that are not UTF-8, which its string cannot name again: the batch planner says
                    // so and counts it (before, the walk passed it by without a word, and --once said all was synced)
                    found.add(dir);
                }
                return; // else swapped for a symlink since it was listed: never walk out of the tree
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(absolute)) {
                for (Path entry : entries) {
                    String path = dir.isEmpty() ? entry.getFileName().toString() : dir + "/" + entry.getFileName();
                    FileStat attrs;
                    try {
                        attrs = FileStat.of(entry);
                    } catch (IOException e) {
                        known.remove(path); // there but unreadable: neither upload nor delete
                        counters.countFailed(FailureKind.UNREADABLE); // --once must not say "all synced"
                        LOG.warn("catch-up scan: cannot stat {}: {}", LogSafe.name(path), LogSafe.name(e.toString()));
                        continue;
                    }
                    if (attrs.isDirectory()) {
                        if (!filter.excludesAllBelow(path)) { // node_modules, .git: not a stat per file for nothing
                            directories.push(path);
                        }
                    } else if (attrs.isRegularFile()) {
                        files++;
                        SyncedFile row = known.remove(path);
                        if ((row == null || !row.sameStat(attrs))
                                && filter.accepts(path)) {
                            found.add(path);
                        }
                    } else if (filter.accepts(path)) {
                        if (Files.isSymbolicLink(entry)) {
                            passedBy.symlink(path, entry);
                        } else {
                            passedBy.special(path);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof AccessDeniedException && notListed.size() < 1000) {
                    notListed.add(dir);
                }
                counters.countFailed(FailureKind.UNREADABLE); // its files may need syncing: --once must not say "all synced"
                LOG.warn("catch-up scan: cannot list {}: {}; its files stay as they are", LogSafe.name(absolute.toString()),
                        LogSafe.name(e.toString()));
                return;
            }
            visited.add(dir);
            // rows whose file is gone or is no longer a regular file; a new path whose upload has not gone yet (a
            // tree renamed while its batch uploads) is no object to delete, and is not counted against max-deletes
            for (Map.Entry<String, SyncedFile> gone : known.entrySet()) {
                vanished(gone.getKey(), gone.getValue().isNotSent() ? 0 : 1);
            }
        }

        /**
         * Directories the state knows files in, that the walk did not enter: gone, or no longer a directory (a file
         * or a symlink took its place), so their objects go. One that is still a directory could not be listed: its
         * files are unknown, not gone.
         */
        private void findVanishedDirectories() {
            for (String dir : state.knownDirectories()) {
                if (!visited.contains(dir) && !isUnderVanished(dir)) {
                    OnDisk now = OnDisk.look(root, dir);
                    if (now == OnDisk.GONE || now == OnDisk.FILE || now == OnDisk.OTHER) {
                        vanished(dir, state.countObjectsAtOrBelow(dir));
                    }
                }
            }
        }

        private void vanished(String path, long objects) {
            vanishedObjects += objects;
            if (vanished.size() <= deleteGuard.getMaxDeletes()) {
                vanished.add(path);
            }
        }

        /** The deletes go into the pipeline only when the whole scan's count passes the guard. */
        private void releaseDeletes() {
            if (deleteGuard.allows((int) Math.min(Integer.MAX_VALUE, vanishedObjects), "the catch-up scan")) {
                found.addAll(vanished);
            }
            vanished.clear();
        }

        /** A directory below one already counted as vanished is counted with it. */
        private boolean isUnderVanished(String dir) {
            for (String v : vanished) {
                if (dir.startsWith(v + "/")) {
                    return true;
                }
            }
            return false;
        }
    }
}
