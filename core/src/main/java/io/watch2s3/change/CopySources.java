package io.watch2s3.change;

import io.watch2s3.config.ServerSideCopy;
import io.watch2s3.log.LogSafe;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * s3.server-side-copy: a file whose content S3 already holds under another key (it was renamed, moved with its
 * directory, copied, or linked) is copied there by S3 rather than uploaded again, as rclone's {@code --track-renames}
 * does for renames: one request instead of the file's bytes over the uplink. Which key holds the content the state
 * database says, by SHA-256; the copy itself checks that the new object holds exactly the file's content, and the file
 * is uploaded whenever S3 could not copy it (see io.watch2s3.sync.ServerSideCopies).
 */
public class CopySources {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.sync");

    private StateDatabase state;
    private long smallest = 256 << 10;
    private volatile boolean refused;

    /** s3.server-side-copy */
    public void setServerSideCopy(String value) {
        this.smallest = ServerSideCopy.smallestCopied(value);
    }

    public void setState(StateDatabase state) {
        this.state = state;
    }

    /** True for a size whose files may be copied: their sources are worth looking up. */
    public boolean mayCopy(long size) {
        return !refused && size >= smallest;
    }

    /**
     * True for a row whose object a new file may be copied from: large enough, or pending (its size unknown: the row
     * of a file whose turn a crash cut short may still list its content).
     */
    public boolean maySourceCopies(SyncedFile row) {
        return row.isPending() ? !refused && smallest != ServerSideCopy.OFF : mayCopy(row.size());
    }

    /**
     * The path whose object holds exactly {@code fingerprint}'s content, for the file at {@code path} to be a copy of
     * it; null when it is to be uploaded.
     */
    public String sourceFor(String path, Fingerprint fingerprint) {
        if (!mayCopy(fingerprint.size())) {
            return null;
        }
        return state.copySourceFor(fingerprint.sha256(), fingerprint.size(), path).orElse(null);
    }

    /**
     * The server answered a copy as it would answer every copy (403: the credentials may write objects but not read
     * them; 501: it has no CopyObject): files are uploaded from now on, and one line says so.
     */
    public void refusedByServer(String cause) {
        if (!refused) {
            refused = true;
            LOG.warn("S3 does not copy objects for us ({}): renamed and copied files are uploaded in full from now on;"
                    + " set {}=off to skip the first try", LogSafe.name(cause), ServerSideCopy.KEY);
        }
    }
}
