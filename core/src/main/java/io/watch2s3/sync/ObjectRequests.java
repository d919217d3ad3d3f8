package io.watch2s3.sync;

import io.watch2s3.change.FilePlan;
import io.watch2s3.change.Fingerprint;
import io.watch2s3.s3.ContentTypes;
import io.watch2s3.s3.ObjectKeys;
import io.watch2s3.tree.TreeFileStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * Turns a file's plan into an aws2-s3 request: key, Content-Type, user metadata {@code mtime} (seconds since the
 * epoch with fraction, as rclone writes it, so rclone can read our objects) and {@code sha256}, ACL and storage
 * class; the body is the bytes the planner read and hashed (a small file), streams the file from disk
 * (TreeFileStream), or, for a file larger than s3.part-size, names it for {@link PartedUploads}. The plan itself moves to the exchange property
 * {@link FilePlan#PROPERTY} for the steps after S3's answer.
 */
public class ObjectRequests {

    /** The literal object key; see {@link ObjectKeys#headerValueFor}. */
    static final String KEY_HEADER = "Watch2S3ObjectKey";
    /** The key of the object a copy is made from. */
    static final String SOURCE_KEY_HEADER = "Watch2S3SourceKey";

    private final ContentTypes contentTypes = new ContentTypes();
    private Path root;
    private ObjectKeys keys;
    private String cannedAcl;
    private String storageClass;
    private boolean dryRun;
    private long partSize = 64L << 20;
    private boolean etagIsNoMd5;

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    public void setKeys(ObjectKeys keys) {
        this.keys = keys;
    }

    /** s3.acl as S3 spells it ("public-read"); the aws2-s3 header wants the SDK enum's name. */
    public void setAcl(String acl) {
        this.cannedAcl = acl == null || acl.isBlank() ? null : ObjectCannedACL.fromValue(acl.trim()).name();
    }

    /** sync.dry-run: requests are prepared and logged, the route skips sending them. */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    /** s3.part-size: a larger file goes up as a multipart upload. */
    public void setPartSize(String partSize) {
        this.partSize = io.watch2s3.config.Sizes.parse("s3.part-size", partSize);
    }

    /** s3.sse: with SSE-KMS an object's ETag is no MD5 of its content (see {@link #metadata}). */
    public void setSse(String sse) {
        this.etagIsNoMd5 = sse != null && sse.trim().startsWith("aws:kms");
    }

    /** False where an object's ETag is no MD5 of its content even when made in one piece (SSE-KMS). */
    boolean etagIsMd5() {
        return !etagIsNoMd5;
    }

    /** Whether a file of {@code size} goes up in parts (larger than s3.part-size): its ETag is then no MD5. */
    boolean goesUpInParts(long size) {
        return size > partSize;
    }

    /** The dry-run interceptor's condition: true when requests are prepared but not sent (sync.dry-run). */
    public boolean notSending() {
        return dryRun;
    }

    /** s3.storage-class, e.g. STANDARD_IA; empty for the bucket's default. */
    public void setStorageClass(String storageClass) {
        this.storageClass = storageClass == null || storageClass.isBlank() ? null : storageClass.trim();
    }

    /**
     * The request of an upload or a copy: key, the headers and metadata of the file's object (a step after this one
     * may set more, or replace them: the README's Cache-Control), and for an upload the body: the file's bytes, a
     * stream of it, or its parts. A copy keeps its plan as the body; {@link ServerSideCopies} sends it.
     */
    public void prepareUploadOrCopy(Exchange exchange, @Body FilePlan plan) {
        if (plan instanceof FilePlan.Copy copy) {
            setKey(exchange, copy);
            String sourceKey = keys.keyFor(copy.sourcePath()).orElseThrow(
                    () -> new ObjectKeys.KeyRefusedException(keys.whyRefused(copy.sourcePath())));
            exchange.getMessage().setHeader(SOURCE_KEY_HEADER, sourceKey);
            setObjectHeaders(exchange.getMessage(), copy.upload(), goesUpInParts(copy.upload()));
        } else if (plan instanceof FilePlan.Upload upload) {
            setKey(exchange, upload);
            setObjectHeaders(exchange.getMessage(), upload, goesUpInParts(upload));
            setBody(exchange.getMessage(), upload);
        } else {
            throw new IllegalArgumentException("neither an upload nor a copy: " + plan);
        }
    }

    /** The copy prepared on the exchange is the file's upload after all: its body, and its plan from now on. */
    void uploadInstead(Exchange exchange, FilePlan.Upload upload) {
        exchange.setProperty(FilePlan.PROPERTY, upload);
        setBody(exchange.getMessage(), upload);
    }

    /** The parts of a copy in parts ({@link PartedUploads#copyParts}): those the file's upload would have. */
    FileInParts inParts(FilePlan.Upload upload) {
        return new FileInParts(root, upload.path(), upload.fingerprint(), partSize);
    }

    private boolean goesUpInParts(FilePlan.Upload upload) {
        return upload.content() == null && goesUpInParts(upload.fingerprint().size());
    }

    private void setBody(Message message, FilePlan.Upload upload) {
        if (upload.content() != null) {
            // the bytes that were hashed, as an array: every attempt reads it from the start
            message.setBody(upload.content());
        } else if (goesUpInParts(upload)) {
            message.setBody(inParts(upload));
        } else {
            // not the File: the S3 client would open it by name, following a symlink swapped in meanwhile
            message.setBody(new TreeFileStream(root, upload.path(), upload.fingerprint().size()));
        }
    }

    private void setObjectHeaders(Message message, FilePlan.Upload upload, boolean inParts) {
        Fingerprint fp = upload.fingerprint();
        message.setHeader(AWS2S3Constants.CONTENT_TYPE, contentTypes.forName(Path.of(upload.path()).getFileName()
                .toString()));
        message.setHeader(AWS2S3Constants.METADATA, metadata(fp, inParts || etagIsNoMd5));
        if (cannedAcl != null) {
            message.setHeader(AWS2S3Constants.CANNED_ACL, cannedAcl);
        }
        if (storageClass != null) {
            message.setHeader(AWS2S3Constants.STORAGE_CLASS, storageClass);
        }
        if (fp.md5Base64() != null) {
            message.setHeader(AWS2S3Constants.CONTENT_MD5, fp.md5Base64());
        }
        message.setHeader(AWS2S3Constants.CONTENT_LENGTH, fp.size());
    }

    /**
     * mtime and sha256; where the object's ETag will be no MD5 of the content (a multipart upload, SSE-KMS), also the
     * MD5 as rclone keeps it for its own such uploads ({@code md5chksum}, base64), which {@code rclone check} then
     * compares.
     */
    private static Map<String, String> metadata(Fingerprint fp, boolean etagIsNoMd5) {
        String mtime = rcloneTime(fp.mtimeNanos());
        if (etagIsNoMd5 && fp.md5Base64() != null) {
            return Map.of("mtime", mtime, "sha256", fp.sha256(), "md5chksum", fp.md5Base64());
        }
        return Map.of("mtime", mtime, "sha256", fp.sha256());
    }

    /**
     * The CopyObject that has S3 copy the source object prepared on {@code message} to the file's key, with the
     * headers and metadata on the message: those a PUT of the file would carry, and any a step of the route set
     * (REPLACE: the source's mtime and name are not the file's). Sent by {@link ServerSideCopies}, not an aws2-s3
     * endpoint, so the exchange keeps its body (the plan).
     */
    static CopyObjectRequest copyRequest(Message message, String bucket) {
        // the headers as a multipart upload's start reads them from the message: one place reads them
        CreateMultipartUploadRequest object = MultipartRequests.create(message, bucket, keyOf(message), true);
        return CopyObjectRequest.builder()
                .sourceBucket(bucket).sourceKey(sourceKeyOf(message))
                .destinationBucket(bucket).destinationKey(object.key())
                .metadataDirective(MetadataDirective.REPLACE)
                .contentType(object.contentType()).metadata(object.metadata())
                .cacheControl(object.cacheControl()).contentDisposition(object.contentDisposition())
                .contentEncoding(object.contentEncoding())
                .acl(object.aclAsString()).storageClass(object.storageClassAsString())
                .build();
    }

    /** The DELETE of the object of the path {@code delete} names. */
    public void prepareDelete(Exchange exchange, @Body FilePlan.Delete delete) {
        setKey(exchange, delete);
        exchange.getMessage().setHeader(AWS2S3Constants.S3_OPERATION, "deleteObject");
    }

    private void setKey(Exchange exchange, FilePlan plan) {
        String path = plan.path();
        String key = keys.keyFor(path).orElseThrow(() -> new ObjectKeys.KeyRefusedException(keys.whyRefused(path)));
        exchange.setProperty(FilePlan.PROPERTY, plan);
        exchange.getMessage().setHeader(KEY_HEADER, key);
        exchange.getMessage().setHeader(AWS2S3Constants.KEY, ObjectKeys.headerValueFor(key, KEY_HEADER));
    }

    /** The key of the request prepared on {@code message}. */
    public static String keyOf(Message message) {
        return message.getHeader(KEY_HEADER, String.class);
    }

    /** The key of the object the copy prepared on {@code message} is made from. */
    static String sourceKeyOf(Message message) {
        return message.getHeader(SOURCE_KEY_HEADER, String.class);
    }

    static String rcloneTime(long epochNanos) {
        return BigDecimal.valueOf(epochNanos, 9).stripTrailingZeros().toPlainString();
    }

    /** The ns since the epoch an {@code mtime} of {@link #rcloneTime} says; thrown for anything else (or null). */
    static long nanosOfRcloneTime(String mtime) {
        return new BigDecimal(mtime).movePointRight(9).longValueExact();
    }
}
