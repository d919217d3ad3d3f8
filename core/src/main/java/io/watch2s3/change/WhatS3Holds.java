package io.watch2s3.change;

import io.watch2s3.state.SyncedFile;
import java.util.Optional;

/**
 * What S3 holds under a path's key, as the object's own metadata says (size, mtime, SHA-256), asked for a path whose
 * last request S3 may have carried out without watch2s3 learning so (see {@link Fingerprinter}).
 */
public interface WhatS3Holds {

    /**
     * The object under {@code path}'s key as a row would record it (its ctime unknown), or empty when there is none,
     * it says nothing of its content (not uploaded by watch2s3 or rclone), or S3 refused to say.
     */
    Optional<SyncedFile> objectOf(String path);

    /** {@link #objectOf}'s answer was the file's bytes: nothing of it is to be sent, nor anything left of an upload. */
    default void holdsTheFile(String path) {
    }
}
