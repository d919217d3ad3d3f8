package io.watch2s3.sync;

import io.watch2s3.change.WhatS3Holds;
import io.watch2s3.health.S3RequestEvents;
import io.watch2s3.log.LogSafe;
import io.watch2s3.s3.ObjectKeys;
import io.watch2s3.state.SyncedFile;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Asks S3 (HeadObject) what it holds under a path's key: the size and the metadata watch2s3 uploads with every object
 * ({@code sha256}, {@code mtime}). Sent on the S3 client rather than through an aws2-s3 endpoint: its answer belongs to
 * the file's plan, made before any endpoint is chosen, and a 404 is an answer, not a failure of the file.
 */
public class ObjectHeads implements WhatS3Holds {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.sync");

    private S3Client client;
    private String bucket;
    private ObjectKeys keys;
    private S3RequestEvents requests;
    private PartedUploads partedUploads;
    private boolean dryRun;

    public void setClient(S3Client client) {
        this.client = client;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket.trim();
    }

    public void setKeys(ObjectKeys keys) {
        this.keys = keys;
    }

    public void setRequests(S3RequestEvents requests) {
        this.requests = requests;
    }

    /** A multipart upload of a file S3 holds already, left by a run (its completion unheard), is aborted. */
    public void setPartedUploads(PartedUploads partedUploads) {
        this.partedUploads = partedUploads;
    }

    /** sync.dry-run: nothing is sent, not even a HEAD; the file's line says it would be uploaded. */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    @Override
    public Optional<SyncedFile> objectOf(String path) {
        Optional<String> key = keys.keyFor(path);
        if (dryRun || key.isEmpty()) {
            return Optional.empty();
        }
        HeadObjectResponse head = requests.counted(path, () -> head(key.get()));
        if (head == null) {
            return Optional.empty();
        }
        Map<String, String> metadata = head.metadata();
        String sha256 = metadata.get("sha256");
        long mtimeNanos;
        try {
            mtimeNanos = ObjectRequests.nanosOfRcloneTime(metadata.get("mtime"));
        } catch (RuntimeException e) {
            return Optional.empty(); // no mtime of ours: another tool's object, which says nothing we can trust
        }
        if (sha256 == null || head.contentLength() == null) {
            return Optional.empty();
        }
        return Optional.of(new SyncedFile(path, head.contentLength(), mtimeNanos, SyncedFile.UNKNOWN_CTIME, sha256));
    }

    @Override
    public void holdsTheFile(String path) {
        if (partedUploads != null) {
            keys.keyFor(path).ifPresent(key -> partedUploads.notNeeded(path, key));
        }
    }

    /**
     * S3's answer, null for an error answer (404: no object; 403: the credentials may not read it; any 4xx): the file
     * is then uploaded as it would have been. S3 failing (5xx, no answer) is thrown, as for any request of the file.
     */
    private HeadObjectResponse head(String key) {
        try {
            return client.headObject(b -> b.bucket(bucket).key(key));
        } catch (S3Exception e) {
            if (e.statusCode() >= 500) {
                throw e;
            }
            LOG.debug("S3 answered HTTP {} to a HEAD of {}: the file is uploaded", e.statusCode(), LogSafe.name(key));
            return null;
        }
    }
}
