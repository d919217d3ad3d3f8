package io.watch2s3.sync;

import io.watch2s3.change.Fingerprint;
import io.watch2s3.failure.Failure;
import io.watch2s3.health.S3RequestEvents;
import io.watch2s3.log.LogSafe;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.tree.FileStat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The multipart uploads a run left unfinished (kill -9, power loss, a stop during an upload), as the state database
 * remembers them. At start, one whose file is still there as it was, and not recorded as synced since, is kept for the
 * file's next upload to go on with ({@link #goOnWith}): only the parts S3 does not hold are sent, so a 10 GB file over
 * a slow uplink does not start again from its first byte. The others are aborted, so that their parts do not stay in
 * the bucket.
 */
final class LeftUploads {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.sync");

    /** Kept at start, by key, until their file's upload begins. */
    private final Map<String, StateDatabase.UnfinishedUpload> kept = new ConcurrentHashMap<>();
    private final S3Client client;
    private final String bucket;
    private final S3RequestEvents requests;
    private final StateDatabase state;
    private final Path root;
    /** Whether this run would upload the file at a path to a key (sync.include/exclude, s3.prefix). */
    private final BiPredicate<String, String> wouldUpload;

    LeftUploads(S3Client client, String bucket, S3RequestEvents requests, StateDatabase state, Path root,
            BiPredicate<String, String> wouldUpload) {
        this.client = client;
        this.bucket = bucket;
        this.requests = requests;
        this.state = state;
        this.root = root;
        this.wouldUpload = wouldUpload;
    }

    /**
     * Keeps or aborts each upload the last run left. Stops aborting at the first that gets no answer: S3 is not there,
     * the next start tries again. Never keeps watch2s3 from starting.
     */
    void keepOrAbortAll() {
        try {
            for (StateDatabase.UnfinishedUpload left : state.unfinishedUploads()) {
                if (isStillWanted(left)) {
                    kept.put(left.key(), left);
                    LOG.info("the multipart upload of {} that the last run left unfinished is gone on with when the"
                            + " file is synced", LogSafe.name(left.file().path()));
                    continue;
                }
                try {
                    abort(null, left);
                    LOG.info("aborted the multipart upload of {} that the last run left unfinished",
                            LogSafe.name(left.key()));
                } catch (S3Exception e) {
                    if (!"NoSuchUpload".equals(PartedUploads.errorCode(e)) && mayAbortLater(e)) {
                        throw e;
                    }
                    if (!"NoSuchUpload".equals(PartedUploads.errorCode(e))) {
                        // a server that cannot (the built-in S3Mock answers 500 for an upload of a run it did not
                        // see end): asked again at every start, it would fail at every start
                        LOG.info("S3 does not abort the multipart upload of {} that the last run left ({}): it is"
                                + " forgotten; a lifecycle rule for incomplete uploads removes its parts",
                                LogSafe.name(left.key()), Failure.describe(e));
                    }
                }
                state.forgetUnfinishedUpload(left.uploadId());
            }
        } catch (RuntimeException e) {
            LOG.warn("could not abort the multipart uploads the last run left unfinished (tried again at the next"
                    + " start): {}", Failure.describe(e));
        }
    }

    /** S3 said "later" (503, throttling): the next start asks again. Any other refusal would be the same then. */
    private static boolean mayAbortLater(S3Exception e) {
        return e.statusCode() == 503 || "SlowDown".equals(PartedUploads.errorCode(e));
    }

    /**
     * The upload of {@code file} to {@code key} gone on with from where a run left it, or null when none was left for
     * it or it cannot be gone on with. {@code digest}: what the upload begun now would be begun with.
     */
    PartedUploads.Upload goOnWith(String key, FileInParts file, boolean md5PerPart, String digest) {
        StateDatabase.UnfinishedUpload left = kept.remove(key);
        return left == null ? null : resume(left, file, md5PerPart, digest);
    }

    /** The file at {@code path} needs no upload to {@code key}: S3 holds its bytes. One kept for it is aborted. */
    void notNeeded(String path, String key) {
        StateDatabase.UnfinishedUpload left = kept.remove(key);
        if (left != null) {
            abortQuietly(path, left);
        }
    }

    /**
     * The left upload's file is there as it was when the upload began, no upload of it was confirmed since, and this
     * run would upload it to the same key (not excluded now, the same prefix).
     */
    private boolean isStillWanted(StateDatabase.UnfinishedUpload left) {
        SyncedFile was = left.file();
        if (was == null || root == null) {
            return false; // remembered by a version that did not go on with uploads
        }
        if (!wouldUpload.test(was.path(), left.key())) {
            return false;
        }
        try {
            FileStat now = FileStat.of(root.resolve(was.path()));
            return now.isRegularFile() && was.sameStat(now)
                    && state.find(was.path()).map(SyncedFile::isPending).orElse(true);
        } catch (IOException | RuntimeException e) {
            return false; // gone, unreadable, or a path that is no longer one
        }
    }

    /**
     * Goes on with an upload a run left: the parts S3 lists for it that have the size this file's part of that number
     * has count as sent (the file's SHA-256 and the upload's headers are those it was begun with, and S3 checked each
     * part as it took it). Null when it cannot be gone on with: it is aborted (or S3 no longer has it) and the file
     * is uploaded anew, also when S3 refuses to list its parts (any error answer: a server that cannot must not hold
     * the file back for good). When S3 does not answer at all, the left upload stays for the route's next try.
     */
    private PartedUploads.Upload resume(StateDatabase.UnfinishedUpload left, FileInParts file, boolean md5PerPart,
            String digest) {
        SyncedFile was = left.file();
        Fingerprint now = file.fingerprint();
        if (!(was.path().equals(file.path()) && was.size() == now.size() && was.sha256().equals(now.sha256())
                && left.partSize() == file.sizeOfParts() && left.md5PerPart() == md5PerPart
                && digest.equals(left.requestDigest()))) {
            LOG.info("the multipart upload of {} that the last run left is not gone on with (the file, its part size"
                    + " or its headers changed): aborted; the file is sent whole", LogSafe.name(file.path()));
            abortQuietly(file.path(), left);
            return null;
        }
        Listing listing;
        try {
            listing = requests.counted(file.path(), () -> listParts(left));
        } catch (RuntimeException e) {
            kept.put(left.key(), left); // no answer: the route's next try lists them again
            throw e;
        }
        if (listing.refusal() != null) {
            // NoSuchUpload (a lifecycle rule aborted it), credentials that may not list parts, a server that cannot
            // (S3Proxy answers 500 for good when a killed run left half a part): the file is uploaded anew
            LOG.info("the multipart upload of {} that the last run left is not gone on with ({}): the file is sent"
                    + " whole", LogSafe.name(file.path()), Failure.describe(listing.refusal()));
            abortQuietly(file.path(), left);
            return null;
        }
        List<Part> listed = listing.parts();
        PartedUploads.Upload upload = new PartedUploads.Upload(left.key(), file, left.uploadId(), md5PerPart);
        long bytesThere = 0;
        for (Part part : listed) {
            int number = part.partNumber();
            if (number >= 1 && number <= file.parts() && part.size() != null && part.size() == file.lengthOf(number)) {
                // the completion names each part's CRC32 when the upload was begun with them; S3-compatible servers
                // may list parts without it: the file's content is the same, and so its part's CRC32
                String crc32 = md5PerPart ? null : part.checksumCRC32() != null ? part.checksumCRC32()
                        : PartChecksums.crc32(file, file.offsetOf(number), file.lengthOf(number));
                upload.sent(CompletedPart.builder().partNumber(number).eTag(part.eTag()).checksumCRC32(crc32).build(),
                        part.size());
                bytesThere += part.size();
            }
        }
        if (upload.partsSent() == 0) {
            // nothing to keep; and a server may list no parts for an upload it completed or aborted (S3Proxy), whose
            // completion would then fail: a new upload is sure
            LOG.info("the multipart upload of {} that the last run left is listed without parts (S3 may have"
                    + " completed or aborted it): the file is sent whole", LogSafe.name(file.path()));
            abortQuietly(file.path(), left);
            return null;
        }
        LOG.info("going on with the multipart upload of {} that the last run left: {} of its {} parts ({} bytes) are"
                + " in S3 already", LogSafe.name(file.path()), upload.partsSent(), file.parts(), bytesThere);
        return upload;
    }

    /**
     * The parts S3 holds of a left upload, or its refusal to list them: an answer, which says nothing about whether S3
     * works (S3RequestEvents would take a 500 for a failing S3); only no answer at all is thrown.
     */
    private Listing listParts(StateDatabase.UnfinishedUpload left) {
        try {
            return new Listing(client.listPartsPaginator(b -> b.bucket(bucket).key(left.key())
                    .uploadId(left.uploadId())).parts().stream().toList(), null);
        } catch (S3Exception e) {
            return new Listing(null, e);
        }
    }

    private record Listing(List<Part> parts, S3Exception refusal) {
    }

    /** A left upload that is not gone on with: aborted, and forgotten once S3 no longer has it. */
    private void abortQuietly(String path, StateDatabase.UnfinishedUpload left) {
        try {
            try {
                abort(path, left);
            } catch (S3Exception e) {
                if (!"NoSuchUpload".equals(PartedUploads.errorCode(e))) {
                    throw e;
                }
            }
            state.forgetUnfinishedUpload(left.uploadId());
        } catch (RuntimeException e) {
            // remembered still: the next start aborts it
            LOG.debug("the left multipart upload of {} could not be aborted: {}", path, Failure.describe(e));
        }
    }

    /** The file at {@code path} (null: none of this run's) no longer needs the upload {@code left}. */
    private void abort(String path, StateDatabase.UnfinishedUpload left) {
        requests.counted(path, () -> client.abortMultipartUpload(b -> b.bucket(bucket).key(left.key())
                .uploadId(left.uploadId())));
    }
}
