package io.watch2s3.change;

/** One thing to do to one object: upload the file at {@code path}, or delete the object of a path that is gone. */
public record SyncAction(String path, Kind kind) {

    public enum Kind { UPLOAD, DELETE }

    public static SyncAction upload(String path) {
        return new SyncAction(path, Kind.UPLOAD);
    }

    public static SyncAction delete(String path) {
        return new SyncAction(path, Kind.DELETE);
    }

    public boolean isDelete() {
        return kind == Kind.DELETE;
    }
}
