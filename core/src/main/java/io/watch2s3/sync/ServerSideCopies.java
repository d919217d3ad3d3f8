package io.watch2s3.sync;

import io.watch2s3.change.CopySources;
import io.watch2s3.change.FilePlan;
import io.watch2s3.change.Fingerprint;
import io.watch2s3.health.S3RequestEvents;
import io.watch2s3.config.ServerSideCopy;
import io.watch2s3.log.LogSafe;
import io.watch2s3.s3.FlexibleChecksums;
import io.watch2s3.state.StateDatabase;
import java.io.IOException;
import java.util.Base64;
import java.util.HexFormat;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResult;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Has S3 copy an object that holds a file's content to the file's key (s3.server-side-copy, see {@link CopySources}),
 * and says whether that did it: the plan itself when the new object holds exactly the file's content, the file's
 * upload when S3 could not copy (the source object is gone: the delete of a renamed file's old name came first; the
 * credentials may not read objects; the server has no CopyObject) or the copy holds something else (the source was
 * replaced in S3 meanwhile). What the copy holds is checked, never assumed: the SHA-256 S3 computed for it (asked for
 * while S3's checksums are in use), else its ETag against the file's MD5. A file larger than one CopyObject takes, or
 * whose one copy gave nothing to check it by, is copied in parts, each checked ({@link PartedUploads#copyParts}).
 *
 * <p>Sent on the S3 client rather than through an aws2-s3 endpoint: a refused copy is no failure of the file nor news
 * about the bucket (through the endpoint, a 403 on a copy would count as the bucket refusing us and hold every file),
 * and the file goes on to its upload in the same turn. S3 not answering (5xx, no answer) fails the file's exchange
 * like any request, and the route's error handler sends the copy again.
 */
public class ServerSideCopies {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.sync");
    private static final HexFormat HEX = HexFormat.of();

    private S3Client client;
    private String bucket;
    private ObjectRequests objectRequests;
    private CopySources copySources;
    private S3RequestEvents requests;
    private FlexibleChecksums checksums = new FlexibleChecksums();
    private StateDatabase state;
    private RetryQueue retryQueue;
    private PartedUploads partedUploads;
    private long largestSingleCopy = ServerSideCopy.LARGEST;
    /** The server answered UploadPartCopy 501: it copies objects whole only. */
    private volatile boolean noPartCopies;
    private boolean dryRun;

    public void setClient(S3Client client) {
        this.client = client;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket.trim();
    }

    public void setObjectRequests(ObjectRequests objectRequests) {
        this.objectRequests = objectRequests;
    }

    public void setCopySources(CopySources copySources) {
        this.copySources = copySources;
    }

    public void setRequests(S3RequestEvents requests) {
        this.requests = requests;
    }

    /** While S3's checksums are in use a copy asks for the new object's SHA-256 (StateHashAsChecksum). */
    public void setFlexibleChecksums(FlexibleChecksums checksums) {
        this.checksums = checksums;
    }

    /**
     * A copy that found the source object gone or holding something else shows that the state database is wrong about
     * it (changed in S3 behind watch2s3's back): its row is distrusted and its path looked at again, so that the file,
     * if it is still there, is uploaded again rather than left wrong in S3 until it changes.
     */
    public void setState(StateDatabase state) {
        this.state = state;
    }

    public void setRetryQueue(RetryQueue retryQueue) {
        this.retryQueue = retryQueue;
    }

    /** Copies a file larger than one CopyObject takes in parts, with the file's upload if that stops short. */
    public void setPartedUploads(PartedUploads partedUploads) {
        this.partedUploads = partedUploads;
    }

    /** The most one CopyObject copies (S3's limit: 5GB); lowered by tests, which cannot make files that large. */
    void setLargestSingleCopy(long bytes) {
        this.largestSingleCopy = bytes;
    }

    /** sync.dry-run: nothing is sent; the line says what would have been copied. */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    /**
     * Has S3 make the copy prepared on the exchange ({@link ObjectRequests#prepareUploadOrCopy}). The body stays
     * {@code copy} when S3 made it; it becomes the file's upload when the file is to be sent after all. A file larger
     * than one CopyObject takes (5GB) is copied in parts ({@link PartedUploads#copyParts}); if that stops short, its
     * upload sends only the parts S3 did not copy.
     */
    public void copyOrUpload(Exchange exchange, @Body FilePlan.Copy copy) throws IOException {
        if (dryRun) {
            return;
        }
        if (!copied(exchange, copy)) {
            objectRequests.uploadInstead(exchange, copy.upload());
        }
    }

    private boolean copied(Exchange exchange, FilePlan.Copy copy) throws IOException {
        CopyObjectRequest request = ObjectRequests.copyRequest(exchange.getMessage(), bucket);
        if (isCopiedInParts(copy.upload().fingerprint().size())) {
            return !noPartCopies && copiedInParts(exchange, copy, request);
        }
        CopyObjectResult result = requests.counted(copy.path(), () -> send(request, copy));
        if (result == null) {
            return false;
        }
        if (result == NO_SUCH_SOURCE) {
            sourceNotAsRecorded(copy.sourcePath());
            return false;
        }
        Holds holds = whatItHolds(result, copy.upload().fingerprint(), objectRequests.etagIsMd5());
        if (holds == Holds.UNKNOWN && !noPartCopies && partsCanBeChecked(copy.upload().fingerprint().size())) {
            // rather than the file's upload: S3 copies it once more, part by part, and each part is checked
            LOG.debug("S3 copied {} to {} but gave nothing to check the copy against the file: copying it in parts",
                    LogSafe.name(request.sourceKey()), LogSafe.name(request.destinationKey()));
            return copiedInParts(exchange, copy, request);
        }
        return judged(holds, request, copy);
    }

    private boolean isCopiedInParts(long size) {
        return size > largestSingleCopy;
    }

    /**
     * Whether a copy in parts could be checked where one CopyObject gave nothing to check it by (a server that keeps
     * the ETag of the parts the source went up in, and no SHA-256): each copied part's ETag is the MD5 of its range,
     * or its CRC32 comes back.
     */
    private boolean partsCanBeChecked(long size) {
        return objectRequests.goesUpInParts(size) && (objectRequests.etagIsMd5() || checksums.inUse());
    }

    private boolean copiedInParts(Exchange exchange, FilePlan.Copy copy, CopyObjectRequest request)
            throws IOException {
        FileInParts file = objectRequests.inParts(copy.upload());
        Holds holds;
        try {
            holds = partedUploads.copyParts(exchange, file, request.sourceKey(), objectRequests.etagIsMd5());
        } catch (S3Exception e) {
            if (e.statusCode() == 501) {
                // a server with CopyObject but not UploadPartCopy: single copies go on
                if (!noPartCopies) {
                    noPartCopies = true;
                    LOG.warn("S3 does not copy parts of objects for us (HTTP 501 for an UploadPartCopy of {}): files"
                            + " larger than one copy takes (5GB) are uploaded in full from now on",
                            LogSafe.name(request.sourceKey()));
                }
                return false;
            }
            if (answerTo(e, request, copy) == NO_SUCH_SOURCE) {
                sourceNotAsRecorded(copy.sourcePath());
            }
            return false;
        }
        return judged(holds, request, copy);
    }

    /** True when the copy holds the file's content; else says why not. */
    private boolean judged(Holds holds, CopyObjectRequest request, FilePlan.Copy copy) {
        switch (holds) {
            case THE_FILE -> {
                return true;
            }
            case SOMETHING_ELSE -> {
                LOG.info("the copy of {} to {} does not hold the file's content (the object changed in S3 since it"
                        + " was uploaded?); uploading the file, and looking at {} again", LogSafe.name(
                        request.sourceKey()), LogSafe.name(request.destinationKey()), LogSafe.name(copy.sourcePath()));
                sourceNotAsRecorded(copy.sourcePath());
            }
            case UNKNOWN -> LOG.debug("S3 copied {} to {} but gave nothing to check the copy against the file (neither"
                    + " a SHA-256 or CRC32 nor an ETag that is an MD5: the source went up in parts, or encrypted with"
                    + " KMS): uploading the file", LogSafe.name(request.sourceKey()),
                    LogSafe.name(request.destinationKey()));
        }
        return false;
    }

    private void sourceNotAsRecorded(String sourcePath) {
        if (state != null) {
            state.distrust(sourcePath);
        }
        if (retryQueue != null) {
            retryQueue.lookAgain(sourcePath);
        }
    }

    /** What {@link #send} answers when S3 says the source object does not exist. */
    private static final CopyObjectResult NO_SUCH_SOURCE = CopyObjectResult.builder().build();

    /**
     * S3's answer; {@link #NO_SUCH_SOURCE} for a 404, null when S3 answered that it does not make this copy (any other
     * 4xx).
     */
    private CopyObjectResult send(CopyObjectRequest request, FilePlan.Copy copy) {
        boolean askedForChecksum = checksums.inUse();
        try {
            return client.copyObject(request).copyObjectResult();
        } catch (S3Exception e) {
            if (e.statusCode() == 501 && askedForChecksum && !checksums.inUse()) {
                // the server refused the checksum header, not the copy (S3Proxy): FlexibleChecksums turned them off
                return send(request, copy);
            }
            return answerTo(e, request, copy);
        }
    }

    /**
     * What S3's error answer to a copy means: {@link #NO_SUCH_SOURCE} for a 404, null when S3 answered that it does
     * not make this copy (any other 4xx); S3 failing (5xx) is thrown.
     */
    private CopyObjectResult answerTo(S3Exception e, CopyObjectRequest request, FilePlan.Copy copy) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
        if (status == 403 || status == 501) {
            copySources.refusedByServer("HTTP " + status + " " + code + " for a copy of "
                    + request.sourceKey());
            return null;
        }
        if (status == 404 && !"NoSuchBucket".equals(code)) {
            // the source's delete, in another batch, went first; or the object was deleted behind our back
            LOG.debug("S3 holds no {} to copy to {}: uploading {}", LogSafe.name(request.sourceKey()),
                    LogSafe.name(request.destinationKey()), LogSafe.name(copy.path()));
            return NO_SUCH_SOURCE;
        }
        if (status >= 400 && status < 500) {
            LOG.debug("S3 did not copy {} to {} (HTTP {} {}): uploading {}", LogSafe.name(request.sourceKey()),
                    LogSafe.name(request.destinationKey()), status, code, LogSafe.name(copy.path()));
            return null;
        }
        throw e;
    }

    enum Holds { THE_FILE, SOMETHING_ELSE, UNKNOWN }

    /**
     * What the copy holds: S3's SHA-256 of it says, or where S3 gave none (S3-compatible servers,
     * s3.checksums=when-required) its ETag, which is the MD5 of the content for an object made in one piece and not
     * encrypted with KMS. An ETag of parts ({@code …-2}) or of KMS says nothing.
     */
    static Holds whatItHolds(CopyObjectResult result, Fingerprint fp, boolean etagIsMd5) {
        if (result == null) {
            return Holds.UNKNOWN;
        }
        if (result.checksumSHA256() != null) {
            boolean same = result.checksumSHA256().equals(Base64.getEncoder().encodeToString(HEX.parseHex(fp.sha256())));
            return same ? Holds.THE_FILE : Holds.SOMETHING_ELSE;
        }
        String etagMd5 = md5OfEtag(result.eTag(), etagIsMd5);
        return etagMd5 == null || fp.md5Base64() == null ? Holds.UNKNOWN : byMd5(etagMd5, fp.md5Base64());
    }

    /** The ETag, as hex, where it is an MD5 of the content (made in one piece, not with KMS); else null. */
    static String md5OfEtag(String eTag, boolean etagIsMd5) {
        String etag = eTag == null ? "" : eTag.replace("\"", "");
        return etagIsMd5 && etag.matches("[0-9a-fA-F]{32}") ? etag : null;
    }

    /** Whether the ETag's MD5 ({@link #md5OfEtag}) is {@code md5Base64}, the MD5 of the file's bytes. */
    static Holds byMd5(String etagMd5, String md5Base64) {
        return etagMd5.equalsIgnoreCase(HEX.formatHex(Base64.getDecoder().decode(md5Base64))) ? Holds.THE_FILE
                : Holds.SOMETHING_ELSE;
    }
}
