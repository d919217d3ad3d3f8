package io.watch2s3.s3;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Asks S3 to encrypt every object watch2s3 writes (s3.sse, s3.kms-key-id): the single PUT and the start of a multipart
 * upload, and a server-side copy, alike. In the S3 client rather than as aws2-s3 endpoint options ({@code useAwsKMS}, {@code awsKMSKeyId}): a
 * key id or ARN would then be part of the endpoint's URI, and the parts that watch2s3 sends itself would miss them.
 */
public class EncryptedUploads implements ExecutionInterceptor {

    private final ServerSideEncryption encryption;
    private final String kmsKeyId;

    /** {@code kmsKeyId}: empty for the account's default KMS key. */
    public EncryptedUploads(String encryption, String kmsKeyId) {
        this.encryption = ServerSideEncryption.fromValue(encryption);
        this.kmsKeyId = kmsKeyId == null || kmsKeyId.isBlank() ? null : kmsKeyId.trim();
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        if (context.request() instanceof PutObjectRequest put) {
            return put.toBuilder().serverSideEncryption(encryption).ssekmsKeyId(kmsKeyId).build();
        }
        if (context.request() instanceof CopyObjectRequest copy) {
            return copy.toBuilder().serverSideEncryption(encryption).ssekmsKeyId(kmsKeyId).build();
        }
        if (context.request() instanceof CreateMultipartUploadRequest create) {
            return create.toBuilder().serverSideEncryption(encryption).ssekmsKeyId(kmsKeyId).build();
        }
        return context.request();
    }
}
