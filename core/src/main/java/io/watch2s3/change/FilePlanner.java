package io.watch2s3.change;

import io.watch2s3.log.LogSafe;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.tree.OnDisk;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one decision per file, made when its turn comes (events are hints, the disk is the truth): a delete stays a
 * delete only if the path still holds no file; an upload is fingerprinted and becomes {@link FilePlan.Unchanged}
 * when the state database says S3 holds exactly that content, {@link FilePlan.Copy} when S3 holds it under another
 * key ({@link CopySources}), {@link FilePlan.Skip} when the file vanished meanwhile or S3 refused exactly this content
 * before ({@link RefusedContents}).
 */
public class FilePlanner {

    private static final Logger LOG = LoggerFactory.getLogger(FilePlanner.class);

    private Path root;
    private Fingerprinter fingerprinter;
    private RefusedContents refused = new RefusedContents();
    private CopySources copySources;
    private StateDatabase state;

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    public void setFingerprinter(Fingerprinter fingerprinter) {
        this.fingerprinter = fingerprinter;
    }

    /** A delete is sent only for a path S3 may hold an object for (see SyncedFile#isNotSent). */
    public void setState(StateDatabase state) {
        this.state = state;
    }

    public void setRefused(RefusedContents refused) {
        this.refused = refused;
    }

    /** s3.server-side-copy: a file whose content S3 holds under another key is copied there. */
    public void setCopySources(CopySources copySources) {
        this.copySources = copySources;
    }

    public FilePlan plan(SyncAction action) {
        String path = action.path();
        if (action.isDelete()) {
            // a directory or a symlink in its place counts as gone, as for the batch planner; a path that cannot be
            // looked at does not
            OnDisk now = OnDisk.look(root, path);
            if (now == OnDisk.FILE || now == OnDisk.UNKNOWN) {
                return new FilePlan.Skip(path, "it is there again");
            }
            if (state != null && state.find(path).map(SyncedFile::isNotSent).orElse(true)) {
                // its upload never went (the file vanished first), or another turn deleted it: no request for a key
                // S3 never held (an outside probe saw 1,450 such DELETEs after a tree was renamed during its upload)
                return new FilePlan.Skip(path, "S3 holds no object for it");
            }
            return new FilePlan.Delete(path, action.firstSeenMillis());
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
        FilePlan.Upload upload = new FilePlan.Upload(path, fingerprint, action.firstSeenMillis(), read.content());
        if (read.olderInS3()) {
            // The same bytes with a newer mtime (touch, a checkout there and back, a build that writes an identical
            // file). Left as it was, the object was older than the file, and aws s3 sync (which judges by time) listed
            // it as an upload: S3 copies the object onto itself with the file's mtime, or a file too small to be
            // worth a copy is sent again.
            return copySources != null && copySources.mayCopy(fingerprint.size()) ? new FilePlan.Copy(upload, path)
                    : upload;
        }
        String source = copySources == null ? null : copySources.sourceFor(path, fingerprint);
        return source == null ? upload : new FilePlan.Copy(upload, source);
    }
}
