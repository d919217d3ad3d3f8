package io.watch2s3.change;

import io.watch2s3.s3.ObjectKeys;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.stats.SyncCounters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a batch of changed paths into actions by looking at the disk: a regular file is an upload; a path that is
 * gone is a delete of its object and, when it was a directory, of every object the state database knows below it
 * (the watcher may send one DELETE for a whole directory). Directories, symlinks and filtered paths need nothing.
 */
public class BatchPlanner {

    private static final Logger LOG = LoggerFactory.getLogger(BatchPlanner.class);

    private Path root;
    private StateDatabase state;
    private PathFilter filter;
    private ObjectKeys keys;
    private DeleteGuard deleteGuard;
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

    public void setKeys(ObjectKeys keys) {
        this.keys = keys;
    }

    public void setDeleteGuard(DeleteGuard deleteGuard) {
        this.deleteGuard = deleteGuard;
    }

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    public List<SyncAction> plan(Batch batch) {
        Map<String, SyncAction> actions = new LinkedHashMap<>();
        Map<String, SyncAction> deletes = new LinkedHashMap<>();
        for (String path : batch.getPaths()) {
            OnDisk onDisk = look(path);
            if (onDisk == OnDisk.GONE) {
                if (deleteGuard.isEnabled()) {
                    for (SyncedFile gone : state.atOrBelow(path)) {
                        deletes.putIfAbsent(gone.path(), SyncAction.delete(gone.path(), batch.firstSeen(path)));
                    }
                }
            } else if (onDisk == OnDisk.FILE && filter.accepts(path)) {
                String refusal = keys.whyRefused(path);
                if (refusal == null) {
                    actions.put(path, SyncAction.upload(path, batch.firstSeen(path)));
                } else {
                    counters.refused();
                    LOG.warn("skipping {}: {}", path, refusal);
                }
            }
        }
        deletes.keySet().removeAll(actions.keySet());
        if (deleteGuard.allows(deletes.size(), "a batch")) {
            actions.putAll(deletes);
        }
        LOG.debug("batch of {} paths → {} actions", batch.getSize(), actions.size());
        counters.batchPlanned(actions.size());
        return new ArrayList<>(actions.values());
    }

    private enum OnDisk { FILE, GONE, OTHER }

    private OnDisk look(String path) {
        try {
            BasicFileAttributes attrs =
                    Files.readAttributes(root.resolve(path), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attrs.isRegularFile() ? OnDisk.FILE : OnDisk.OTHER;
        } catch (NoSuchFileException e) {
            return OnDisk.GONE;
        } catch (IOException | RuntimeException e) {
            // an unreadable parent, or a name the file system cannot take: never read as a delete
            LOG.warn("cannot stat {}: {}", path, e.toString());
            return OnDisk.OTHER;
        }
    }
}
