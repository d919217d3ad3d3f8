package io.watch2s3.change;

/**
 * One thing to do to one object: upload the file at {@code path}, or delete the object of a path that is gone.
 * {@code firstSeenMillis} is when the change was first noticed, for the latency metric.
 */
public record SyncAction(String path, Kind kind, long firstSeenMillis) {

    /**
     * DELETE_COPY_SOURCE: the delete of an object a new file may be copied from (s3.server-side-copy); it is sent only
     * once no batch may still copy from it (BatchLanes#actionsDue).
     */
    public enum Kind { UPLOAD, DELETE, DELETE_COPY_SOURCE }

    public static SyncAction upload(String path, long firstSeenMillis) {
        return new SyncAction(path, Kind.UPLOAD, firstSeenMillis);
    }

    public static SyncAction delete(String path, long firstSeenMillis) {
        return new SyncAction(path, Kind.DELETE, firstSeenMillis);
    }

    /** The same delete, sent once no batch may still copy from the object. */
    SyncAction afterCopies() {
        return new SyncAction(path, Kind.DELETE_COPY_SOURCE, firstSeenMillis);
    }

    public boolean isDelete() {
        return kind != Kind.UPLOAD;
    }

    public boolean waitsForCopies() {
        return kind == Kind.DELETE_COPY_SOURCE;
    }
}
