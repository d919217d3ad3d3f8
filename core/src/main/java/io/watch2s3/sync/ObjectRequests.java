package io.watch2s3.s3;

import io.watch2s3.change.Fingerprint;
import io.watch2s3.log.LogSafe;
import io.watch2s3.tree.TreeFileStream;
import io.watch2s3.state.UploadedContentRepository;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.Message;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * Fills in the aws2-s3 request headers for one path: key, Content-Type, user metadata {@code mtime} (seconds since
 * the epoch with fraction, as rclone writes it, so rclone can read our objects) and {@code sha256}, ACL and storage
 * class; the body streams the file from disk (TreeFileStream).
 */
public class ObjectRequests {

    /** The literal object key; see {@link ObjectKeys#headerValueFor}. */
    public static final String KEY_HEADER = "Watch2S3ObjectKey";
    public static final String SIZE_HEADER = "Watch2S3Size";
    /** The key as the log shows it: control characters escaped, so that a name cannot split a log line. */
    public static final String LOG_KEY_HEADER = "Watch2S3LogKey";
    /** True in a dry run: the route's interceptor then does not send the request. */
    public static final String DRY_RUN_HEADER = "Watch2S3DryRun";
    /** What the per-file log line says happened: "uploaded", or "dry run: would upload". */
    public static final String VERB_HEADER = "Watch2S3Verb";

    private final ContentTypes contentTypes = new ContentTypes();
    private Path root;
    private ObjectKeys keys;
    private String cannedAcl;
    private String storageClass;
    private boolean dryRun;

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

    /** s3.storage-class, e.g. STANDARD_IA; empty for the bucket's default. */
    public void setStorageClass(String storageClass) {
        this.storageClass = storageClass == null || storageClass.isBlank() ? null : storageClass.trim();
    }

    /** Sets the headers of the PUT of {@code path}, whose fingerprint is in the exchange. */
    public void prepareUpload(Exchange exchange, @Header("relPath") String path) {
        Message message = exchange.getMessage();
        Fingerprint fp = message.getHeader(UploadedContentRepository.FINGERPRINT_HEADER, Fingerprint.class);
        setKey(message, path);
        message.setHeader(AWS2S3Constants.CONTENT_TYPE, contentTypes.forName(Path.of(path).getFileName().toString()));
        message.setHeader(AWS2S3Constants.METADATA, Map.of("mtime", rcloneTime(fp.mtimeNanos()), "sha256", fp.sha256()));
        if (cannedAcl != null) {
            message.setHeader(AWS2S3Constants.CANNED_ACL, cannedAcl);
        }
        if (storageClass != null) {
            message.setHeader(AWS2S3Constants.STORAGE_CLASS, storageClass);
        }
        message.setHeader(SIZE_HEADER, fp.size());
        if (fp.md5Base64() != null) {
            message.setHeader(AWS2S3Constants.CONTENT_MD5, fp.md5Base64());
        }
        message.setHeader(VERB_HEADER, dryRun ? "dry run: would upload" : "uploaded");
        message.setHeader(AWS2S3Constants.CONTENT_LENGTH, fp.size());
        // not the File: the S3 client would open it by name, following a symlink swapped in meanwhile
        message.setBody(new TreeFileStream(root, path, fp.size()));
    }

    /** Sets the headers of the DELETE of {@code path}'s object. */
    public void prepareDelete(Exchange exchange, @Header("relPath") String path) {
        Message message = exchange.getMessage();
        setKey(message, path);
        message.setHeader(AWS2S3Constants.S3_OPERATION, "deleteObject");
        message.setHeader(VERB_HEADER, dryRun ? "dry run: would delete" : "deleted");
    }

    private void setKey(Message message, String path) {
        String key = keys.keyFor(path).orElseThrow(() -> new ObjectKeys.KeyRefusedException(keys.whyRefused(path)));
        message.setHeader(KEY_HEADER, key);
        message.setHeader(LOG_KEY_HEADER, LogSafe.name(key));
        message.setHeader(DRY_RUN_HEADER, dryRun);
        message.setHeader(AWS2S3Constants.KEY, ObjectKeys.headerValueFor(key, KEY_HEADER));
    }

    static String rcloneTime(long epochNanos) {
        return BigDecimal.valueOf(epochNanos, 9).stripTrailingZeros().toPlainString();
    }
}
