package io.watch2s3.sync;

import io.watch2s3.health.S3RequestEvents;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyPartResult;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartCopyRequest;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;

/**
 * The parts of a copy in parts ({@link PartedUploads#copyParts}): S3 copies each byte range of the source object into
 * the upload (UploadPartCopy), and what it copied is checked against the file's bytes, never assumed: the part's ETag
 * against their MD5 (S3's ETag of a part is its MD5 unless the object is encrypted with KMS), else the part's CRC32
 * (given for an upload begun with CRC32). Reading the part from the local disk costs no uplink.
 */
final class CopiedParts {

    private final S3Client client;
    private final String bucket;
    private final S3RequestEvents requests;
    private final String sourceKey;
    private final boolean etagIsMd5;

    CopiedParts(S3Client client, String bucket, S3RequestEvents requests, String sourceKey, boolean etagIsMd5) {
        this.client = client;
        this.bucket = bucket;
        this.requests = requests;
        this.sourceKey = sourceKey;
        this.etagIsMd5 = etagIsMd5;
    }

    /**
     * Has S3 copy part {@code number}; throws {@link NotCopied} when the copy holds something else than the file's
     * bytes, or cannot be checked, or S3 refuses it (4xx but NoSuchUpload, which the upload's own handling takes).
     */
    CompletedPart copy(PartedUploads.Upload upload, int number) throws IOException {
        FileInParts file = upload.file();
        long offset = file.offsetOf(number);
        long length = file.lengthOf(number);
        UploadPartCopyRequest request = UploadPartCopyRequest.builder()
                .sourceBucket(bucket).sourceKey(sourceKey)
                .destinationBucket(bucket).destinationKey(upload.key())
                .uploadId(upload.id()).partNumber(number)
                .copySourceRange("bytes=" + offset + "-" + (offset + length - 1))
                .build();
        AtomicReference<S3Exception> refused = new AtomicReference<>();
        UploadPartCopyResponse answer = requests.counted(file.path(), () -> {
            try {
                return client.uploadPartCopy(request);
            } catch (S3Exception e) {
                // caught within the count: a copy S3 refuses is no news about the bucket (a 403 would hold every file)
                if (e.statusCode() >= 400 && e.statusCode() < 500
                        && !"NoSuchUpload".equals(PartedUploads.errorCode(e))) {
                    refused.set(e);
                    return null;
                }
                throw e;
            }
        });
        if (answer == null) {
            throw new NotCopied(null, refused.get());
        }
        CopyPartResult copied = answer.copyPartResult();
        ServerSideCopies.Holds holds = whatPartHolds(copied, file, offset, length);
        if (holds != ServerSideCopies.Holds.THE_FILE) {
            throw new NotCopied(holds, null);
        }
        String crc32 = copied.checksumCRC32();
        if (crc32 == null && !upload.md5PerPart()) {
            // S3 wants a CRC32 for every part of an upload begun with CRC32 at its completion
            crc32 = PartChecksums.crc32(file, offset, length);
        }
        upload.copied(length);
        return CompletedPart.builder().partNumber(number).eTag(copied.eTag()).checksumCRC32(crc32).build();
    }

    /** What the copied range holds: its ETag against the MD5 of the file's range, else its CRC32 against theirs. */
    ServerSideCopies.Holds whatPartHolds(CopyPartResult copied, FileInParts file, long offset, long length)
            throws IOException {
        String etagMd5 = ServerSideCopies.md5OfEtag(copied.eTag(), etagIsMd5);
        if (etagMd5 != null) {
            return ServerSideCopies.byMd5(etagMd5, PartChecksums.md5(file, offset, length));
        }
        if (copied.checksumCRC32() != null) {
            return copied.checksumCRC32().equals(PartChecksums.crc32(file, offset, length))
                    ? ServerSideCopies.Holds.THE_FILE : ServerSideCopies.Holds.SOMETHING_ELSE;
        }
        return ServerSideCopies.Holds.UNKNOWN;
    }

    /**
     * A part that was not copied as the file's bytes: {@code holds} says what the copy held, or {@code refusal} is S3's
     * answer that it does not copy it. The parts copied and checked before stay in the upload.
     */
    static final class NotCopied extends RuntimeException {

        private final transient ServerSideCopies.Holds holds;
        private final transient S3Exception refusal;

        NotCopied(ServerSideCopies.Holds holds, S3Exception refusal) {
            super(refusal == null ? "the copied part holds " + holds : "S3 did not copy the part", refusal, false,
                    false);
            this.holds = holds;
            this.refusal = refusal;
        }

        ServerSideCopies.Holds holds() {
            return holds;
        }

        S3Exception refusal() {
            return refusal;
        }
    }
}
