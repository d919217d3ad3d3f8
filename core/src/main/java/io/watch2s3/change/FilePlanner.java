package io.watch2s3.change;

import io.watch2s3.tree.OnDisk;
import java.nio.file.Path;

/**
 * The one decision per file, made when its turn comes (events are hints, the disk is the truth): a delete stays a
 * delete only if the path still holds no file; an upload is fingerprinted and becomes {@link FilePlan.Unchanged}
 * when the state database says S3 holds exactly that content, {@link FilePlan.Skip} when the file vanished meanwhile.
 */
public class FilePlanner {

    private Path root;
    private Fingerprinter fingerprinter;

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    public void setFingerprinter(Fingerprinter fingerprinter) {
        this.fingerprinter = fingerprinter;
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
        Fingerprint fingerprint = fingerprinter.fingerprint(path);
        if (fingerprint == null) {
            return new FilePlan.Skip(path, "it vanished");
        }
        return fingerprint.inS3()
                ? new FilePlan.Unchanged(path)
                : new FilePlan.Upload(path, fingerprint, action.firstSeenMillis());
    }
}
