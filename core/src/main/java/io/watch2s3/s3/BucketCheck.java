package io.watch2s3.s3;

import io.watch2s3.config.ConfigurationException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Asks S3 once at start whether the bucket is there and we may use it (one HeadBucket), so a wrong bucket,
 * endpoint or credential stops start-up with one clear line instead of failing every upload later.
 */
public final class BucketCheck {

    private BucketCheck() {
    }

    /** What the check found, or did. */
    public enum Outcome { THERE, CREATED, MISSING_AND_NOT_CREATED_IN_A_DRY_RUN }

    /**
     * Checks the bucket with one HeadBucket; a missing bucket is created when {@code create} is set, except in a dry
     * run ({@code dryRun}), which changes nothing in S3.
     */
    public static Outcome verify(S3Client s3, String bucket, boolean create, boolean dryRun, String where) {
        try {
            s3.headBucket(b -> b.bucket(bucket));
            return Outcome.THERE;
        } catch (NoSuchBucketException e) {
            if (!create) {
                throw ConfigurationException.forKey("s3.bucket", "bucket '" + bucket + "' does not exist at " + where
                        + "; create it, or set s3.create-bucket=true");
            }
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                if (!create) {
                    throw ConfigurationException.forKey("s3.bucket", "bucket '" + bucket + "' does not exist at "
                            + where + "; create it, or set s3.create-bucket=true");
                }
            } else if (e.statusCode() == 403 || e.statusCode() == 401) {
                throw ConfigurationException.forKey("s3.access-key", "access to bucket '" + bucket + "' at " + where
                        + " was refused (HTTP " + e.statusCode() + "); check s3.access-key and s3.secret-key, or the"
                        + " AWS credentials of this environment, and the bucket's permissions");
            } else {
                throw ConfigurationException.forKey("s3.endpoint", "checking bucket '" + bucket + "' at " + where
                        + " failed with HTTP " + e.statusCode() + ": " + e.awsErrorDetails().errorMessage());
            }
        } catch (SdkClientException e) {
            String message = String.valueOf(e.getMessage());
            if (message.toLowerCase(java.util.Locale.ROOT).contains("credentials")) {
                throw ConfigurationException.forKey("s3.access-key", "no AWS credentials found; set s3.access-key and"
                        + " s3.secret-key, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile or an instance role");
            }
            throw ConfigurationException.forKey("s3.endpoint", "cannot reach " + where + ": " + firstLine(message));
        }
        if (dryRun) {
            return Outcome.MISSING_AND_NOT_CREATED_IN_A_DRY_RUN;
        }
        try {
            s3.createBucket(b -> b.bucket(bucket));
            return Outcome.CREATED;
        } catch (S3Exception e) {
            throw ConfigurationException.forKey("s3.create-bucket", "creating bucket '" + bucket + "' at " + where
                    + " failed with HTTP " + e.statusCode() + ": " + e.awsErrorDetails().errorMessage());
        }
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
