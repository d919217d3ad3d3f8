package io.watch2s3.state;

/**
 * What S3 confirmed for one path: the file's size, mtime (ns since the epoch) and SHA-256 when it was uploaded. A
 * pending row ({@link #PENDING_SIZE}) records, before its upload starts, that S3 may soon hold an object for a path
 * that had none: if watch2s3 dies before the confirmation is written, the next start still knows the path, uploads
 * it again if the file is there and deletes its object if it is gone.
 */
public record SyncedFile(String path, long size, long mtimeNanos, String sha256) {

    public static final long PENDING_SIZE = -1;

    public boolean sameStat(long otherSize, long otherMtimeNanos) {
        return size == otherSize && mtimeNanos == otherMtimeNanos;
    }

    /** True for a row written before an upload that S3 has not confirmed (or whose confirmation was lost). */
    public boolean isPending() {
        return size == PENDING_SIZE;
    }
}
