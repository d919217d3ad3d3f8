package io.watch2s3.failure;

/** Not sent: S3 is known to be down, and only a probe request goes until it answers again (see S3Health). */
public class S3UnavailableException extends RuntimeException {
    public S3UnavailableException(String message) {
        super(message);
    }
}
