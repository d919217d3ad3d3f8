package io.watch2s3.change;

import io.watch2s3.failure.FailureKind;
import io.watch2s3.log.LogSafe;
import io.watch2s3.s3.ObjectKeys;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.stats.SyncCounters;
import io.watch2s3.tree.NamesNotUtf8;
import io.watch2s3.tree.OnDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a batch of changed paths into actions by looking at the disk: a regular file is an upload; a path that is
 * gone is a delete of its object and, when it was a directory, of every object the state database knows below it
 * (the watcher may send one DELETE for a whole directory). A path that changed type ends with the objects of what it
 * is now: a directory that became a file loses the objects below it, a file that became a directory or a symlink
 * loses its own, and a directory that another replaced loses the objects of the files the new one lacks. Filtered
 * paths need nothing.
 */
public class BatchPlanner {

    private static final Logger LOG = LoggerFactory.getLogger(BatchPlanner.class);
    private static final int MAX_NAMES_SAID = 10_000;

    /**
     * Names already refused or passed by, logged (and counted) once each: the start's scan and the watcher, or every
     * change of such a file (a named pipe has an event at each write), would report the same name again. Bounded; a
     * name forgotten is reported once more.
     */
    private final Set<String> namesSaid = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_NAMES_SAID;
        }
    });

    private Path root;
    private StateDatabase state;
    private PathFilter filter;
    private ObjectKeys keys;
    private DeleteGuard deleteGuard;
    private SyncCounters counters;
    private CopySources copySources;
    private TreeScan scan;
    private WatchedDirectories watched;

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

    public void setKeys(ObjectKeys keys) {
        this.keys = keys;
    }

    public void setDeleteGuard(DeleteGuard deleteGuard) {
        this.deleteGuard = deleteGuard;
    }

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    /**
     * The catch-up scan, told of a directory that cannot be listed (the watcher could not watch it): the chmod that
     * opens it gets it watched and its files synced, instead of waiting for the next periodic scan.
     */
    public void setScan(TreeScan scan) {
        this.scan = scan;
    }

    /** The watcher's check: a directory of the batch that can be read but is not watched gets it watched. */
    public void setWatched(WatchedDirectories watched) {
        this.watched = watched;
    }

    /** s3.server-side-copy: the deletes of objects a new file may be copied from wait for the batch's uploads. */
    public void setCopySources(CopySources copySources) {
        this.copySources = copySources;
    }

    /**
     * What each path of the batch needs, as the disk says now. Before returning, every upload and delete is recorded
     * in the state database as pending or in doubt (see StateDatabase#recordPending), so a crash during the requests
     * forgets none and trusts no row they may have made stale.
     */
    public List<SyncAction> plan(Batch batch) {
        Map<String, SyncAction> uploads = new LinkedHashMap<>();
        Map<String, SyncAction> deletes = new LinkedHashMap<>();
        Set<String> unsent = new HashSet<>();
        Set<String> copySourcesGoing = new HashSet<>();
        List<String> directories = new ArrayList<>();
        Map<Path, Integer> listedForNames = new HashMap<>();
        for (String path : batch.getPaths()) {
            long firstSeen = batch.firstSeen(path);
            OnDisk onDisk = OnDisk.look(root, path);
            if (!ObjectKeys.isWellFormed(path) && isNotUtf8OnDisk(path, onDisk, listedForNames)) {
                continue;
            }
            switch (onDisk) {
                case FILE -> {
                    if (filter.accepts(path)) {
                        upload(path, firstSeen, uploads);
                    }
                    // it was a directory: the objects of the files it held go (git checkout of another branch)
                    delete(() -> state.below(path), firstSeen, deletes, unsent, copySourcesGoing);
                }
                // it was a file (a directory now): its object goes. Or another directory was renamed onto it
                // (mv site.new site): the objects of the old directory's files that the new one lacks go. The new
                // one's own files arrive as their own changes.
                case DIRECTORY -> {
                    delete(() -> noLongerFiles(state.atOrBelow(path)), firstSeen, deletes, unsent, copySourcesGoing);
                    if (isListable(path)) {
                        directories.add(path);
                    } else if (scan != null && scan.cannotList(path)) {
                        counters.countFailed(FailureKind.UNREADABLE);
                        LOG.warn("cannot list {} (permissions?): its files are synced once it can be read",
                                LogSafe.name(path));
                    }
                }
                case OTHER -> {
                    notUploaded(path);
                    delete(() -> state.atOrBelow(path), firstSeen, deletes, unsent, copySourcesGoing);
                }
                case GONE -> delete(() -> state.atOrBelow(path), firstSeen, deletes, unsent, copySourcesGoing);
                // its directory closed (chmod 000) comes as an event of its own: the DIRECTORY case notes it
                case UNKNOWN -> LOG.warn("cannot look at {} (permissions?): left as it is", LogSafe.name(path));
            }
        }
        if (watched != null && !directories.isEmpty()) {
            watched.checkWatched(directories);
        }
        deletes.keySet().removeAll(uploads.keySet());
        // rows of new paths whose upload has not gone yet (a tree renamed while its batch uploads) are no objects to
        // protect: they count not against sync.max-deletes, and their turn sends no DELETE (FilePlanner)
        unsent.retainAll(deletes.keySet());
        int toDelete = deletes.size() - unsent.size();
        // Deletes go first: a server with one namespace for files and directories (MinIO) refuses a file where
        // objects of a directory of that name still are, and the reverse (git checkout of another branch). Except
        // the deletes of objects a new file may be copied from (a renamed file, a moved directory): they go once no
        // batch may still copy from them (inPhases, BatchLanes#actionsDue), unless such a name is in the way of an
        // upload. A move of more files than sync.max-batch has its old names' deletes and its new names in
        // different batches.
        List<SyncAction> planned = new ArrayList<>(deletes.size() + uploads.size());
        List<SyncAction> afterCopies = new ArrayList<>();
        if (!deletes.isEmpty() && deleteGuard.allows(toDelete, "a batch")) {
            Set<String> inTheWay = copySourcesGoing.isEmpty() || uploads.isEmpty() ? Set.of()
                    : namesInTheWay(uploads.keySet(), copySourcesGoing);
            for (SyncAction delete : deletes.values()) {
                if (copySourcesGoing.contains(delete.path()) && !inTheWay.contains(delete.path())) {
                    afterCopies.add(delete.afterCopies());
                } else {
                    planned.add(delete);
                }
            }
        }
        planned.addAll(uploads.values());
        planned.addAll(afterCopies);
        state.recordPending(planned.stream().map(SyncAction::path).toList());
        LOG.debug("batch of {} paths → {} actions", batch.getSize(), planned.size());
        counters.batchPlanned(planned.size());
        return planned;
    }

    /**
     * The batch's actions in the order they run: the uploads and the deletes before them, then the deletes of copy
     * sources (see {@link #plan}), once every upload has ended. Always two phases, the second maybe empty: at its turn
     * the batch also sends what batches that ended before it held back (BatchLanes#actionsDue).
     */
    public List<BatchPhase> inPhases(List<SyncAction> planned) {
        int firstHeld = planned.size();
        while (firstHeld > 0 && planned.get(firstHeld - 1).waitsForCopies()) {
            firstHeld--;
        }
        return List.of(new BatchPhase(planned.subList(0, firstHeld), false),
                new BatchPhase(planned.subList(firstHeld, planned.size()), true));
    }

    /**
     * Of {@code candidates} (paths whose objects are to be deleted), those an upload needs gone first: a path that is
     * a directory of an upload now (a file that became a directory), or one below an uploaded path (a directory that
     * became a file).
     */
    private static Set<String> namesInTheWay(Set<String> uploads, Set<String> candidates) {
        Set<String> uploadDirectories = new HashSet<>();
        uploads.forEach(upload -> uploadDirectories.addAll(directoriesAbove(upload)));
        Set<String> inTheWay = new HashSet<>();
        for (String candidate : candidates) {
            if (uploadDirectories.contains(candidate)
                    || directoriesAbove(candidate).stream().anyMatch(uploads::contains)) {
                inTheWay.add(candidate);
            }
        }
        return inTheWay;
    }

    private boolean isListable(String dir) {
        return OnDisk.canList(root.resolve(dir));
    }

    /** "a/b/c" → "a/b", "a". */
    private static List<String> directoriesAbove(String path) {
        List<String> above = new ArrayList<>();
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            above.add(path.substring(0, slash));
        }
        return above;
    }

    /** The scan's line names these too, but only at the next scan: a user who just made one wonders now. */
    private void notUploaded(String path) {
        if (filter.accepts(path) && firstTimeSaid(path)) {
            LOG.info("not uploaded: {} is {}", LogSafe.name(path), Files.isSymbolicLink(root.resolve(path))
                    ? "a symlink (sync.follow-symlinks=false)" : "a named pipe, socket or device, not a regular file");
        }
    }

    private void upload(String path, long firstSeen, Map<String, SyncAction> uploads) {
        String refusal = keys.whyRefused(path);
        if (refusal == null) {
            uploads.put(path, SyncAction.upload(path, firstSeen));
        } else {
            refuse(path, refusal);
        }
    }

    /**
     * A path holding U+FFFD is the JVM's stand-in for bytes of a name that are not UTF-8 (the string then names no
     * file, and no key could name it again), or that very character in a valid name. The directory that holds the name
     * tells ({@link NamesNotUtf8}): a name of bytes is said once and counted as refused. True when nothing else is to be
     * done for the path: only the bytes are there. Otherwise the path is planned as usual: its string names a twin
     * that holds U+FFFD itself, or objects S3 holds for such a name (deleted since) go. When the directory cannot be
     * listed, a path that names nothing and no object is taken for bytes.
     */
    private boolean isNotUtf8OnDisk(String path, OnDisk onDisk, Map<Path, Integer> listed) {
        String bytes;
        if (ObjectKeys.hasLoneSurrogate(path)) {
            refuse(path, ObjectKeys.NOT_UTF8);
            return true;
        }
        try {
            bytes = NamesNotUtf8.firstIn(root, path, listed);
        } catch (IOException | RuntimeException e) {
            bytes = onDisk == OnDisk.GONE && state.atOrBelow(path).isEmpty() ? path : null;
        }
        if (bytes == null) {
            return false;
        }
        refuse(bytes, ObjectKeys.NOT_UTF8);
        return onDisk == OnDisk.GONE && state.atOrBelow(path).isEmpty();
    }

    private void refuse(String path, String why) {
        if (firstTimeSaid(path)) {
            counters.countRefused();
            LOG.warn("skipping {}: {}", LogSafe.name(path), why);
        } else {
            LOG.debug("skipping {} again: {}", LogSafe.name(path), why);
        }
    }

    private boolean firstTimeSaid(String path) {
        synchronized (namesSaid) {
            return namesSaid.add(path);
        }
    }

    private List<SyncedFile> noLongerFiles(List<SyncedFile> rows) {
        return rows.stream().filter(row -> OnDisk.look(root, row.path()) != OnDisk.FILE).toList();
    }

    /** {@code rows} are looked up only when deletes are mirrored: a query per uploaded file was 2 % of a burst's CPU. */
    private void delete(Supplier<List<SyncedFile>> rows, long firstSeen, Map<String, SyncAction> deletes,
            Set<String> unsent, Set<String> copySourcesGoing) {
        if (deleteGuard.isEnabled()) {
            for (SyncedFile gone : rows.get()) {
                deletes.putIfAbsent(gone.path(), SyncAction.delete(gone.path(), firstSeen));
                if (gone.isNotSent()) {
                    unsent.add(gone.path());
                } else if (copySources != null && copySources.maySourceCopies(gone)) {
                    copySourcesGoing.add(gone.path());
                }
            }
        }
    }
}
