package io.watch2s3.health;

import io.watch2s3.change.WatchedDirectories;
import io.watch2s3.log.LogSafe;
import io.watch2s3.change.DeleteGuard;
import io.watch2s3.tree.MountPoints;
import io.watch2s3.tree.OnDisk;
import io.watch2s3.scan.CatchUpScan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a watcher that stopped without a word. camel-file-watch keeps reporting Started when its root was deleted,
 * renamed away or replaced (the watch then follows a dead inode), and when the inotify watch limit left directories
 * unwatched (it gives up on a directory it could not register, silently). This check looks at the root's identity and
 * counts the process's inotify watches against the directories of the last scan.
 */
public class WatcherCheck implements WatchedDirectories {

    private static final Logger LOG = LoggerFactory.getLogger(WatcherCheck.class);
    private static final Path FDINFO = Path.of("/proc/self/fdinfo");
    private static final Path MAX_WATCHES = Path.of("/proc/sys/fs/inotify/max_user_watches");
    private static final long WATCH_COUNT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private Path root;
    private CatchUpScan scan;
    private DeleteGuard deleteGuard;
    private volatile Object watchedRoot;
    /** The file systems mounted below the root when the watcher last started. */
    private volatile Set<String> mountsWatched = Set.of();
    private volatile boolean lost;
    /** How long a count must stay short before the watcher is started again (a busy watcher catches up meanwhile). */
    private volatile long shortBeforeRestartNanos = TimeUnit.SECONDS.toNanos(30);

    private volatile boolean restartWanted;
    private volatile boolean restartTried;
    /** When a count first came out short (0: it did not); a restart waits until it stays short this long. */
    private volatile long shortSinceNanos;
    private volatile boolean countedAfterRestart;
    private volatile String unwatched;
    private String limitWhenUnwatched;
    private long lastWatchCount = System.nanoTime() - WATCH_COUNT_INTERVAL_NANOS;

    /** watch.dir; the directory as it is now is the one the watcher watches. */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
        this.watchedRoot = identity(this.root);
        this.mountsWatched = MountPoints.below(this.root);
    }

    public void setScan(CatchUpScan scan) {
        this.scan = scan;
    }

    /** Shown watch.dir's file system every 2 s: an unmount between two batches still holds the deletes back. */
    public void setDeleteGuard(DeleteGuard deleteGuard) {
        this.deleteGuard = deleteGuard;
    }

    /** For the tests of the kernel's limits, which would wait the half minute several times each. */
    void setShortBeforeRestart(Duration wait) {
        this.shortBeforeRestartNanos = wait.toNanos();
    }

    /**
     * True when the watcher must be started again: its root vanished or was replaced and is there now, or the
     * process holds no inotify watch at all (the root was deleted and made again, perhaps with the same inode number,
     * or its file system was unmounted: either way the kernel dropped every watch), or a directory the last scan
     * could not list (permissions; nor could the watcher watch it) can be listed now, or a file system was mounted
     * or unmounted below the root (no inotify event says so).
     */
    public boolean needsRestart() {
        if (deleteGuard != null) {
            deleteGuard.lookAtRootFileSystem();
        }
        if (restartWanted) {
            return true;
        }
        if (!lost && mountsChanged()) {
            restartWanted = true;
            return true;
        }
        String opened = scan.listableAgain();
        if (opened != null && !lost) {
            LOG.warn("{} can be read now: starting the watcher again to watch it",
                    LogSafe.name(root.resolve(opened).toString()));
            restartWanted = true;
            return true;
        }
        long since = shortSinceNanos;
        if (since != 0 && System.nanoTime() - since >= shortBeforeRestartNanos) {
            shortSinceNanos = 0;
            long watches = inotifyWatches();
            if (watches > 0 && watches < scan.directoriesSeen()) {
                restartTried = true;
                LOG.warn("only {} of {} directories under {} are watched (events were lost, or the inotify watch"
                        + " limit was reached): starting the watcher again", watches, scan.directoriesSeen(), root);
                restartWanted = true;
                return true;
            }
        }
        Object now = identity(root);
        if (now == null) {
            if (!lost) {
                lost = true;
                LOG.error("watch.dir {} is gone (deleted, renamed or unmounted): the watcher stopped. Nothing is"
                        + " deleted from S3 meanwhile; watching resumes when the directory is back.", root);
            }
            return false;
        }
        if (!lost && !now.equals(watchedRoot)) {
            lost = true;
            if (Files.isSymbolicLink(root)) {
                // the usual release switch (current -> releases/N): the tree changed, nothing is wrong
                LOG.warn("watch.dir {} now leads to {}: watching that, and comparing it with the state", root,
                        realPath(root));
            } else {
                LOG.error("watch.dir {} was replaced by another directory: the watcher was watching the old one.", root);
            }
        }
        if (!lost && isTimeToCountWatches() && !holdsAnyInotifyWatch()) {
            lost = true;
            LOG.error("the watcher of {} holds no inotify watch any more (the directory was deleted and made again,"
                    + " or unmounted): it stopped.", root);
        }
        return lost;
    }

    /**
     * Mounted below the root: the watcher watches the directory the new file system hides, and its files come and
     * go unseen. Unmounted: the watches on it are gone, and so is every file of it, unseen too. Either way the watcher
     * starts again on what is there now, and the scan that follows syncs the difference (deletes as for any vanished
     * directory, within sync.max-deletes).
     */
    private boolean mountsChanged() {
        Set<String> now = MountPoints.below(root);
        Set<String> before = mountsWatched;
        if (now.equals(before)) {
            return false;
        }
        mountsWatched = now;
        Set<String> mounted = new TreeSet<>(now);
        mounted.removeAll(before);
        Set<String> unmounted = new TreeSet<>(before);
        unmounted.removeAll(now);
        LOG.warn("{}{}{}: starting the watcher again, and looking at the tree",
                mounted.isEmpty() ? "" : "a file system was mounted on " + LogSafe.name(String.join(", ", mounted)),
                mounted.isEmpty() || unmounted.isEmpty() ? "" : "; ",
                unmounted.isEmpty() ? "" : "the file system on " + LogSafe.name(String.join(", ", unmounted))
                        + " was unmounted");
        return true;
    }

    /**
     * The kernel writes out every watch of the inotify descriptor whenever its /proc entry is read (10,000 lines
     * for a million files), so the count is read every half minute; the root's identity, every call.
     */
    private boolean isTimeToCountWatches() {
        long now = System.nanoTime();
        if (now - lastWatchCount < WATCH_COUNT_INTERVAL_NANOS) {
            return false;
        }
        lastWatchCount = now;
        return true;
    }

    /**
     * Directories a batch found: one that can be read but holds no watch of this process (it could not be read when
     * the watcher saw it made, and camel-file-watch skipped it without a word) gets the watcher started again, which
     * watches it and scans for the files in it. A directory's CREATE reaches a batch only after the watcher tried to
     * watch it, so a new directory is not taken for an unwatched one. Not while the watch limit is what is short.
     */
    @Override
    public void checkWatched(List<String> directories) {
        if (restartWanted || lost || unwatched != null) {
            return;
        }
        Set<Long> inodes = watchedInodes();
        if (inodes.isEmpty()) {
            return; // no watcher (--once), or no /proc to tell
        }
        for (String dir : directories) {
            Path absolute = root.resolve(dir);
            Long inode = inodeOf(absolute);
            if (inode != null && !inodes.contains(inode) && OnDisk.canList(absolute)) {
                LOG.warn("{} is not watched (it could not be read when it was made): starting the watcher again to"
                        + " watch it", LogSafe.name(absolute.toString()));
                restartWanted = true;
                return;
            }
        }
    }

    /** The inodes of the directories this process watches, from /proc (empty where there is none). */
    private static Set<Long> watchedInodes() {
        Set<Long> inodes = new HashSet<>();
        eachInotifyWatch(line -> {
            // inotify wd:1 ino:1a2b sdev:800001 mask:... (the inode in hex)
            int at = line.indexOf(" ino:");
            if (at > 0) {
                int end = line.indexOf(' ', at + 5);
                inodes.add(Long.parseLong(line.substring(at + 5, end < 0 ? line.length() : end), 16));
            }
            return true;
        });
        return inodes;
    }

    private static Long inodeOf(Path dir) {
        try {
            return ((Number) Files.getAttribute(dir, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | RuntimeException e) {
            return null; // gone meanwhile, or no unix attributes
        }
    }

    /** Called once the watch route runs again on the current root. */
    public void restarted() {
        watchedRoot = identity(root);
        lost = false;
        countedAfterRestart = false;
        restartWanted = false;
        LOG.warn("watching {} again", root);
        scan.request("the watcher was restarted on " + realPath(root));
    }

    /** Whether the watcher is known to be dead now (for health). */
    public boolean isLost() {
        return lost;
    }

    /** What keeps directories from being watched, for health; null while every directory is watched. */
    public String unwatched() {
        return unwatched;
    }

    /**
     * After a scan: the watcher needs one inotify watch per directory. Fewer watches than directories means that
     * the watcher missed directories: ones made while it lost events (a queue overflow: it registers a new directory
     * when it sees it made), or ones it could not register (the inotify watch limit; camel-file-watch gives up on
     * them silently, and a limit reached at start left it watching nothing). It is started again, which registers
     * every directory there is; if that does not help, it is the limit: said once with the sysctl to raise it, health
     * DOWN, and a scan every 30 s or so finds the changes meanwhile. Raising the limit gets the watcher started again.
     */
    public void checkWatchLimit() {
        if (restartWanted) {
            return; // counted again after the restart
        }
        int directories = scan.directoriesSeen();
        long watches = inotifyWatches();
        if (watches <= 0 || directories == 0) { // no /proc to tell, or none at all: needsRestart() handles it
            return;
        }
        if (watches >= directories) {
            if (unwatched != null) {
                LOG.warn("all {} directories under {} are watched again", directories, root);
            }
            unwatched = null;
            restartTried = false;
            shortSinceNanos = 0;
            scan.setSomeDirectoriesUnwatched(false);
            return;
        }
        String limit = maxWatches();
        if (!restartTried || (unwatched != null && !limit.equals(limitWhenUnwatched))) {
            // a busy watcher registers a directory made a moment ago only when it reads its event: needsRestart()
            // counts again in 30 s, and starts the watcher again only if the count is still short then
            if (shortSinceNanos == 0) {
                shortSinceNanos = System.nanoTime();
            }
            restartTried = false;
            unwatched = null;
            return;
        }
        if (!countedAfterRestart) {
            // the scan the restart asked for may have ended before the new watcher registered every directory
            countedAfterRestart = true;
            scan.request("counting the watcher's inotify watches once more");
            return;
        }
        if (unwatched == null) {
            limitWhenUnwatched = limit;
            scan.setSomeDirectoriesUnwatched(true);
            unwatched = "only " + watches + " of " + directories + " directories are watched: the inotify watch limit"
                    + " (fs.inotify.max_user_watches = " + limit + ") is reached";
            LOG.error("{} under {}. Raise it, e.g. 'sysctl fs.inotify.max_user_watches={}' (one watch per directory;"
                    + " watch2s3 starts its watcher again when the limit changes); until then a catch-up scan every"
                    + " {} s finds the changes.", unwatched, root, Math.max(524288, directories * 2L),
                    scan.currentIntervalMillis() / 1000);
        }
    }

    /** Inotify watches of this process, from /proc (-1 where there is no /proc). Reads one line per watch. */
    static long inotifyWatches() {
        return countInotifyWatches(Long.MAX_VALUE);
    }

    /**
     * Whether the process holds at least one inotify watch (true where there is no /proc to tell). It stops at the
     * first watch: parsing all of them (one line each, 10,000 for a million files) every two seconds cost 2 % of a
     * core while idle.
     */
    static boolean holdsAnyInotifyWatch() {
        return countInotifyWatches(1) != 0;
    }

    private static long countInotifyWatches(long enough) {
        long[] watches = {0};
        return eachInotifyWatch(line -> ++watches[0] < enough) < 0 ? -1 : watches[0];
    }

    /**
     * Hands each inotify watch line of this process's descriptors ("inotify wd:…") to {@code more} until it returns
     * false. -1 where there is no /proc to read, else 0.
     */
    private static int eachInotifyWatch(java.util.function.Predicate<String> more) {
        if (!Files.isDirectory(FDINFO)) {
            return -1;
        }
        try (Stream<Path> fds = Files.list(FDINFO)) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try (java.io.BufferedReader reader = Files.newBufferedReader(fd)) {
                    for (String line; (line = reader.readLine()) != null; ) {
                        if (line.startsWith("inotify wd:") && !more.test(line)) {
                            return 0;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the descriptor closed meanwhile
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return 0;
    }

    private static String maxWatches() {
        // not Files.readString: it trusts the size /proc reports and returns the first byte only
        try (var in = Files.newInputStream(MAX_WATCHES)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * The directory watch.dir leads to, symlinks followed: a watch.dir that is a symlink (current -> releases/N)
     * is watched where it points, and re-pointing it counts as a new tree, not as a lost one.
     */
    private static Object identity(Path dir) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(dir, BasicFileAttributes.class);
            return attrs.isDirectory() ? attrs.fileKey() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String realPath(Path dir) {
        try {
            return dir.toRealPath().toString();
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
