package io.watch2s3.change;

/**
 * One thing to do to one object: upload the file at {@code path}, or delete the object of a path that is gone.
 * {@code firstSeenMillis} is when the change was first noticed, for the latency metric.
 */
public record SyncAction(String path, Kind kind, long firstSeenMillis) {

    public enum Kind { UPLOAD, DELETE }

    public static SyncAction upload(String path, long firstSeenMillis) {
        return new SyncAction(path, Kind.UPLOAD, firstSeenMillis);
    }

    public static SyncAction delete(String path, long firstSeenMillis) {
        return new SyncAction(path, Kind.DELETE, firstSeenMillis);
    }

    public boolean isDelete() {
        return kind == Kind.DELETE;
    }
}
