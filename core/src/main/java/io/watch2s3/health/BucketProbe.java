package io.watch2s3.health;

import io.watch2s3.failure.S3UnavailableException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The probe of an outage when sending a waiting file again would say nothing new (see
 * {@link S3Health#isBucketProbeDue}): one HeadBucket, counted and judged like any request to S3. Its answer ends the
 * outage; its failure keeps it, and the next probe comes later as usual.
 */
public class BucketProbe {

    private S3Client client;
    private String bucket;
    private S3RequestEvents requests;
    private S3Health s3;

    public void setClient(S3Client client) {
        this.client = client;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    public void setRequests(S3RequestEvents requests) {
        this.requests = requests;
    }

    public void setS3(S3Health s3) {
        this.s3 = s3;
    }

    /** Sends the HeadBucket now, unless another probe just took the turn. */
    public void askTheBucket() {
        try {
            s3.checkAvailable(); // takes the probe's turn: the next one waits twice as long
        } catch (S3UnavailableException e) {
            return;
        }
        try {
            requests.counted(null, () -> client.headBucket(b -> b.bucket(bucket)));
        } catch (RuntimeException e) {
            // S3Health heard of it: the outage goes on, and the next probe comes later
        }
    }
}
