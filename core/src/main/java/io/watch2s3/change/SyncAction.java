package io.watch2s3.change;

/**
 * One thing to do to one object: upload the file at {@code path}, or delete the object of a path that is gone.
 * {@code firstSeenMillis} is when the change was first noticed, for the latency metric. {@code newToState}: the
 * state database had no row for the path when its batch was planned (its batch gave it the pending row), so S3 was
 * never confirmed to hold any content of it and there is no row to compare the file with.
 */
public record SyncAction(String path, Kind kind, long firstSeenMillis, boolean newToState) {

    public enum Kind { UPLOAD, DELETE }

    public static SyncAction upload(String path, long firstSeenMillis) {
        return new SyncAction(path, Kind.UPLOAD, firstSeenMillis, false);
    }

    public static SyncAction delete(String path, long firstSeenMillis) {
        return new SyncAction(path, Kind.DELETE, firstSeenMillis, false);
    }

    /** This upload, for a path its batch found without a row in the state database. */
    public SyncAction asNewToState() {
        return new SyncAction(path, kind, firstSeenMillis, true);
    }

    public boolean isDelete() {
        return kind == Kind.DELETE;
    }
}
