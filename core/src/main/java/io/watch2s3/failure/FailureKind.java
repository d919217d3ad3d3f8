package io.watch2s3.failure;

/**
 * Why one file could not be synced, and what happens to it next. Only the kinds that wait for something outside
 * the file (S3, the bucket, the state database) are retried by themselves; a file that changed under our feet is
 * looked at again at once; the others wait for the file's next change or the next catch-up scan, since retrying
 * them now would fail the same way.
 */
public enum FailureKind {

    /** S3 did not answer, timed out, or said "later" (5xx, throttling): worth a few retries, then a wait for S3. */
    S3_UNAVAILABLE("s3-unavailable", Next.WAIT_FOR_RECOVERY),
    /**
     * S3 fails this one key (5xx) while it answers other requests: S3Proxy's filesystem backend does so for a file
     * where a directory's objects still are. Never the kind of an exception: S3Health finds it out, and the file's
     * failures are counted under this tag instead of s3-unavailable, so that an alert on an outage does not fire for
     * one bad key. Not retried at once; it waits by itself, ever longer between tries (30 s, 1 min, 2 … an hour).
     */
    KEY_FAILS("key-fails", Next.WAIT_FOR_RECOVERY),
    /** The bucket refuses us (401/403, NoSuchBucket, wrong region): every file would fail alike. */
    BUCKET_REFUSED("bucket-refused", Next.WAIT_FOR_RECOVERY),
    /** The state database cannot read or write (disk full, read-only, I/O error). */
    STATE_UNAVAILABLE("state-unavailable", Next.WAIT_FOR_RECOVERY),
    /** The file changed while it was being sent (S3 found the body differs from its checksum). */
    CHANGED_WHILE_UPLOADING("changed-while-uploading", Next.LOOK_AGAIN),
    /** The file disappeared between planning and upload. Counted as vanished, not as failed. */
    VANISHED("vanished", Next.LOOK_AGAIN),
    /**
     * S3 refused this one request for good (a 4xx about the file or its key). The refused content is remembered
     * (RefusedContents): it is sent again once it changes, or after a restart, not at the next scan.
     */
    REFUSED_BY_S3("refused-by-s3", Next.NEXT_CHANGE),
    /**
     * S3 cannot store this key next to another one: a server with one namespace for files and directories (MinIO)
     * refuses a file where objects of a directory of that name still are, and a file below a key that is an object.
     * Retried like an unanswered request, since the batch that deletes the other objects may still be running; then
     * left for the file's next change or the next scan (the other objects stay while sync.deletes is false).
     */
    KEY_CONFLICT("key-conflict", Next.NEXT_CHANGE),
    /** The file could not be read (permissions, I/O error). */
    UNREADABLE("unreadable", Next.NEXT_CHANGE),
    /** Anything else: a bug, or a step added to the route that threw. */
    INTERNAL("internal-error", Next.NEXT_CHANGE);

    /** What happens to the file after it was given up on. */
    public enum Next {
        /** Synced again by itself once S3 or the state database works again. */
        WAIT_FOR_RECOVERY,
        /** Its path goes back into the pipeline at once: the disk says what it needs now. */
        LOOK_AGAIN,
        /** Left until its next change or the next catch-up scan. */
        NEXT_CHANGE
    }

    private final String tag;
    private final Next next;

    FailureKind(String tag, Next next) {
        this.tag = tag;
        this.next = next;
    }

    /** The value of the {@code cause} tag of watch2s3_files_failed_total. */
    public String tag() {
        return tag;
    }

    public Next next() {
        return next;
    }

    /** Worth sending the same request again a few times (sync.max-retries) before the file is given up. */
    public boolean retried() {
        return this == S3_UNAVAILABLE || this == KEY_CONFLICT;
    }
}
