package io.watch2s3.change;

import io.watch2s3.log.LogSafe;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.stats.SyncCounters;
import io.watch2s3.tree.MountPoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether deletes may reach S3. A missing watch.dir, or one that is no longer on the file system it was on
 * at start (the disk was unmounted), looks exactly like "every file was deleted" — an unmounted disk once made
 * mc mirror --remove empty a whole bucket — so then nothing is deleted until watch2s3 is restarted on the right
 * tree; neither is anything when one batch or scan would delete more than sync.max-deletes objects.
 *
 * <p>The file system is told by its device number and by the mount that holds watch.dir (/proc/self/mountinfo): an
 * unmounted bind mount leaves a directory of the same device behind (an outside probe saw every object deleted), and a
 * new empty tmpfs mounted in place of the old one gets its device number and mount id back. So once watch.dir was seen
 * on another file system — at a batch, or at the watcher check every 2 s — deletes stay held until the restart.
 */
public class DeleteGuard {

    private static final Logger LOG = LoggerFactory.getLogger(DeleteGuard.class);

    private Path root;
    private Object rootDevice;
    private MountPoints.Mount rootMount;
    /** watch.dir was seen on another file system than at start: no delete until the restart. */
    private volatile boolean rootMoved;
    private boolean enabled;
    private int maxDeletes = 1000;
    private SyncCounters counters;
    private StateDatabase state;

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
        this.rootDevice = device(this.root);
        this.rootMount = MountPoints.holding(this.root);
    }

    /** sync.deletes */
    public void setDeletes(boolean enabled) {
        this.enabled = enabled;
    }

    /** sync.max-deletes */
    public void setMaxDeletes(int maxDeletes) {
        this.maxDeletes = maxDeletes;
    }

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    /** Where the file system watch.dir was on at the last run is kept. */
    public void setState(StateDatabase state) {
        this.state = state;
    }

    /**
     * initMethod: watch.dir on another file system than at the last run (the mount that holds it: source, directory,
     * type, mount point) — a bind mount or a disk unmounted while watch2s3 was stopped leaves the directory under it,
     * and a {@code --once} run or a restart took its emptiness for "every file deleted" (an outside probe). Then
     * nothing is deleted in this run. The new file system is taken as watch.dir's own for the next run only when
     * watch.dir holds something: an empty directory where a file system was is never taken for the tree.
     */
    public void compareWithLastRun() {
        if (state == null || rootMount == null) {
            return;
        }
        String now = rootMount.describe();
        try {
            Optional<String> before = state.watchedFileSystem();
            if (before.isPresent() && !before.get().equals(now)) {
                boolean empty = isEmpty(root);
                if (enabled) {
                    rootMoved = true;
                    LOG.error("watch.dir {} is on another file system than when watch2s3 last ran (then {}, now {}),"
                            + " as after an unmount: nothing is deleted from S3 in this run{}", root,
                            LogSafe.name(before.get()), LogSafe.name(now), empty ? "; it is empty, and stays taken for"
                            + " an unmounted one until it holds something" : "; restart to apply deletes if this is"
                            + " the right tree");
                }
                if (empty) {
                    return;
                }
            }
            state.recordWatchedFileSystem(now);
        } catch (RuntimeException e) {
            // the state database fails: it says so itself, and the deletes wait for it anyway
            LOG.debug("could not compare watch.dir's file system with the last run's: {}", e.toString());
        }
    }

    private static boolean isEmpty(Path dir) {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public int getMaxDeletes() {
        return maxDeletes;
    }

    /** True when {@code count} deletes found by {@code source} ("a batch", "the catch-up scan") may go ahead. */
    public boolean allows(int count, String source) {
        if (!enabled || count == 0) {
            return enabled;
        }
        String refusal = null;
        if (!Files.isDirectory(root)) {
            refusal = "watch.dir " + root + " is missing (unmounted or renamed?)";
        } else if (rootMoved || isOnAnotherFileSystem()) {
            rootMoved = true;
            refusal = "watch.dir " + root + " is no longer on the file system it was on at start, or was not for a"
                    + " while (unmounted?); restart watch2s3 once the right tree is there";
        } else if (count > maxDeletes) {
            refusal = "that is more than sync.max-deletes=" + maxDeletes + "; raise it and restart to apply them";
        }
        if (refusal == null) {
            return true;
        }
        counters.countDeletesHeld(count);
        LOG.error("NOT deleting: {} would delete {} objects, but {}. The objects stay in S3.", source, count, refusal);
        return false;
    }

    /**
     * Called every 2 s while watching: watch.dir on another file system than at start, even for a moment (unmounted,
     * then a new empty one mounted in its place), holds every later delete back until the restart.
     */
    public void lookAtRootFileSystem() {
        if (enabled && !rootMoved && Files.isDirectory(root) && isOnAnotherFileSystem()) {
            rootMoved = true;
            LOG.error("watch.dir {} is no longer on the file system it was on at start (unmounted?): nothing is deleted"
                    + " from S3 until watch2s3 is restarted on the right tree; uploads go on", root);
        }
    }

    private boolean isOnAnotherFileSystem() {
        if (!java.util.Objects.equals(device(root), rootDevice)) {
            return true;
        }
        MountPoints.Mount now = MountPoints.holding(root);
        return rootMount != null && now != null && !rootMount.equals(now);
    }

    /**
     * True when syncing {@code paths} apart from the rest of their batch cannot part the batch's deletes, which this
     * guard judges per batch: deletes are not mirrored, or every one of them is a regular file now (an upload, not a
     * delete, nor a directory whose vanished files the planner would delete).
     */
    public boolean holdsNoDeletes(List<String> paths) {
        return !enabled || paths.stream().allMatch(p -> Files.isRegularFile(root.resolve(p), LinkOption.NOFOLLOW_LINKS));
    }

    /** The device id of the file system holding {@code dir}, or null where it cannot be read. */
    private static Object device(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:dev");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }
}
