package io.watch2s3.state;

/** What S3 confirmed for one path: the file's size, mtime (ns since the epoch) and SHA-256 when it was uploaded. */
public record SyncedFile(String path, long size, long mtimeNanos, String sha256) {

    public boolean sameStat(long otherSize, long otherMtimeNanos) {
        return size == otherSize && mtimeNanos == otherMtimeNanos;
    }
}
