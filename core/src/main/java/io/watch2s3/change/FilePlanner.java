package io.watch2s3.change;

import io.watch2s3.log.LogSafe;
import io.watch2s3.tree.OnDisk;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one decision per file, made when its turn comes (events are hints, the disk is the truth): a delete stays a
 * delete only if the path still holds no file; an upload is fingerprinted and becomes {@link FilePlan.Unchanged}
 * when the state database says S3 holds exactly that content, {@link FilePlan.Skip} when the file vanished meanwhile
 * or S3 refused exactly this content before ({@link RefusedContents}).
 */
public class FilePlanner {

    private static final Logger LOG = LoggerFactory.getLogger(FilePlanner.class);

    private Path root;
    private Fingerprinter fingerprinter;
    private RefusedContents refused = new RefusedContents();

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    public void setFingerprinter(Fingerprinter fingerprinter) {
        this.fingerprinter = fingerprinter;
    }

    public void setRefused(RefusedContents refused) {
        this.refused = refused;
    }

    public FilePlan plan(SyncAction action) {
        String path = action.path();
        if (action.isDelete()) {
            // a directory or a symlink in its place counts as gone, as for the batch planner; a path that cannot be
            // looked at does not
            OnDisk now = OnDisk.look(root, path);
            return now == OnDisk.FILE || now == OnDisk.UNKNOWN
                    ? new FilePlan.Skip(path, "it is there again")
                    : new FilePlan.Delete(path, action.firstSeenMillis());
        }
        Fingerprinter.Read read = fingerprinter.read(path);
        if (read == null) {
            return new FilePlan.Skip(path, "it vanished");
        }
        Fingerprint fingerprint = read.fingerprint();
        if (fingerprint.inS3()) {
            return new FilePlan.Unchanged(path);
        }
        if (refused.wasRefused(path, fingerprint)) {
            LOG.debug("not sending {} again: S3 refused this content; it is sent once it changes", LogSafe.name(path));
            return new FilePlan.Skip(path, "S3 refused this content");
        }
        return new FilePlan.Upload(path, fingerprint, action.firstSeenMillis(), read.content());
    }
}
