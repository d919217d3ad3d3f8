package io.watch2s3.s3;

import java.util.Base64;
import java.util.HexFormat;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Sends the SHA-256 that the state database records for an upload as its {@code x-amz-checksum-sha256}: S3 refuses
 * the PUT (BadDigest) unless the bytes it received hash to it, and keeps it as the object's checksum, so what the state
 * says S3 holds is what S3 checked. Given a checksum, the SDK computes none of its own (no CRC32 pass, no trailer).
 *
 * <p>The hash travels in the request's user metadata {@code sha256} (hex), which watch2s3 sets anyway: camel-aws2-s3
 * 4.17 has no header for a checksum. Only while {@link FlexibleChecksums} says so: servers that need
 * {@code when-required} (S3Proxy, older MinIO, Ceph) reject or ignore the flexible-checksum headers, and get
 * Content-MD5 alone.
 */
public class StateHashAsChecksum implements ExecutionInterceptor {

    private static final HexFormat HEX = HexFormat.of();

    private final FlexibleChecksums checksums;

    public StateHashAsChecksum(FlexibleChecksums checksums) {
        this.checksums = checksums;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        if (context.request() instanceof CopyObjectRequest copy && copy.checksumAlgorithm() == null
                && checksums.inUse()) {
            // S3 takes no checksum value with a copy, only the algorithm: it hashes the new object and answers its
            // SHA-256, which the copy's check compares with the state's
            return copy.toBuilder().checksumAlgorithm(ChecksumAlgorithm.SHA256).build();
        }
        if (!(context.request() instanceof PutObjectRequest put) || put.checksumSHA256() != null
                || !checksums.inUse()) {
            return context.request();
        }
        String sha256 = put.metadata().get("sha256");
        if (sha256 == null || sha256.length() != 64 || !isHex(sha256)) {
            return put;
        }
        return put.toBuilder()
                .checksumAlgorithm(ChecksumAlgorithm.SHA256)
                .checksumSHA256(Base64.getEncoder().encodeToString(HEX.parseHex(sha256)))
                .build();
    }

    private static boolean isHex(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
