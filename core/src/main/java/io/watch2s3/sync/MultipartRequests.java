package io.watch2s3.sync;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.Message;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/** The start of a multipart upload, from the headers ObjectRequests set for a single PUT; what it was begun with. */
final class MultipartRequests {

    private MultipartRequests() {
    }

    /** A CRC32 per part unless {@code md5PerPart}: S3 wants every part of an upload begun with CRC32 to carry one. */
    @SuppressWarnings("unchecked")
    static CreateMultipartUploadRequest create(Message message, String bucket, String key, boolean md5PerPart) {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
                .contentType(message.getHeader(AWS2S3Constants.CONTENT_TYPE, String.class))
                .metadata(message.getHeader(AWS2S3Constants.METADATA, Map.class))
                // the headers aws2-s3 gives a single PUT, so that a route that sets them (the README's Cache-Control)
                // sets them on large files too
                .cacheControl(message.getHeader(AWS2S3Constants.CACHE_CONTROL, String.class))
                .contentDisposition(message.getHeader(AWS2S3Constants.CONTENT_DISPOSITION, String.class))
                .contentEncoding(message.getHeader(AWS2S3Constants.CONTENT_ENCODING, String.class));
        String acl = message.getHeader(AWS2S3Constants.CANNED_ACL, String.class);
        if (acl != null) {
            create.acl(ObjectCannedACL.valueOf(acl));
        }
        String storageClass = message.getHeader(AWS2S3Constants.STORAGE_CLASS, String.class);
        if (storageClass != null) {
            create.storageClass(storageClass);
        }
        if (!md5PerPart) {
            create.checksumAlgorithm(ChecksumAlgorithm.CRC32);
        }
        return create.build();
    }

    /**
     * What an upload was begun with, as a SHA-256: its key, headers, metadata (the file's mtime and SHA-256 among
     * them), checksum, and the encryption the S3 client adds ({@code sse}, {@code kmsKeyId}). A left upload begun
     * otherwise (the file was touched, s3.acl or a route's Cache-Control changed) would complete as an object with the
     * old ones, so it is not gone on with.
     */
    static String digest(CreateMultipartUploadRequest create, String sse, String kmsKeyId) {
        String described = String.join("\n", create.key(), String.valueOf(create.contentType()),
                String.valueOf(create.metadata() == null ? null : new TreeMap<>(create.metadata())),
                String.valueOf(create.cacheControl()), String.valueOf(create.contentDisposition()),
                String.valueOf(create.contentEncoding()), String.valueOf(create.aclAsString()),
                String.valueOf(create.storageClassAsString()), String.valueOf(create.checksumAlgorithmAsString()),
                sse, kmsKeyId);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(described.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
