package io.watch2s3.state;

import io.watch2s3.tree.FileStat;

/**
 * What S3 confirmed for one path: the file's size, mtime and ctime (ns since the epoch; the ctime is
 * {@link #UNKNOWN_CTIME} in rows written before watch2s3 kept it) and SHA-256 when it was uploaded. A
 * pending row ({@link #PENDING_SIZE}) records, before its upload starts, that S3 may soon hold an object for a path
 * that had none: if watch2s3 dies before the confirmation is written, the next start still knows the path, uploads
 * it again if the file is there and deletes its object if it is gone.
 */
public record SyncedFile(String path, long size, long mtimeNanos, long ctimeNanos, String sha256, long inode) {

    public static final long PENDING_SIZE = -1;
    /**
     * The mtime of a pending row this run made for a new path, for which no request has been sent that S3 may have
     * carried out: a turn that ends without one removes it (see StateDatabase#turnEnded), and a start makes it a plain
     * pending row (a crash may have cut a request short).
     */
    public static final long NOT_SENT_MTIME = -2;
    public static final long UNKNOWN_CTIME = FileStat.UNKNOWN_CTIME;
    public static final long UNKNOWN_INODE = FileStat.UNKNOWN_INODE;

    /** A row whose file's inode is not known (written before watch2s3 kept it, pending, or from S3's metadata). */
    public SyncedFile(String path, long size, long mtimeNanos, long ctimeNanos, String sha256) {
        this(path, size, mtimeNanos, ctimeNanos, sha256, UNKNOWN_INODE);
    }

    /**
     * The file is taken to hold what was uploaded when size, mtime and ctime are all as recorded. The mtime alone can
     * be set back (cp -p, rsync -a, tar, unzip: two versions of one size and one timestamp); the ctime cannot, and
     * every write, rename or chmod moves it, so a file that may have changed is hashed rather than trusted.
     */
    public boolean sameStat(long otherSize, long otherMtimeNanos, long otherCtimeNanos) {
        return sameStat(otherSize, otherMtimeNanos, otherCtimeNanos, UNKNOWN_INODE);
    }

    /**
     * {@link #sameStat(long, long, long)}, and the same file: a directory renamed or swapped moves its files' names
     * without touching their ctimes, so files written within one clock tick (or on a file system of whole seconds) to
     * the same size could pass for each other's rows, and S3 kept the old content (an outside probe). Their inodes
     * tell them apart.
     */
    public boolean sameStat(FileStat now) {
        return sameStat(now.size(), now.mtimeNanos(), now.ctimeNanos(), now.inode());
    }

    private boolean sameStat(long otherSize, long otherMtimeNanos, long otherCtimeNanos, long otherInode) {
        if (inode != UNKNOWN_INODE && otherInode != UNKNOWN_INODE && inode != otherInode) {
            return false;
        }
        return size == otherSize && mtimeNanos == otherMtimeNanos
                && (ctimeNanos == UNKNOWN_CTIME || otherCtimeNanos == UNKNOWN_CTIME || ctimeNanos == otherCtimeNanos);
    }

    /** True for a row written before an upload that S3 has not confirmed (or whose confirmation was lost). */
    public boolean isPending() {
        return size == PENDING_SIZE;
    }

    /** True for a pending row of this run's for which nothing was sent yet: S3 holds no object for it. */
    public boolean isNotSent() {
        return size == PENDING_SIZE && mtimeNanos == NOT_SENT_MTIME;
    }
}
