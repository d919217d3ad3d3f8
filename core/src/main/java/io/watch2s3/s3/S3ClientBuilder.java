package io.watch2s3.s3;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeProvider;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

/**
 * Builds the S3Client the aws2-s3 endpoint uses, from the s3.* settings. Camel's own client builder ignores
 * maxConnections and cannot set the checksum mode that S3-compatible servers need (SDK 2.30+ sends trailing CRC
 * checksums that S3Proxy, older MinIO and Ceph reject), so the route is given this client. A builder with setters,
 * so the route can declare it with {@code builderClass}.
 */
public class S3ClientBuilder {

    private String endpoint = "";
    private String region = "us-east-1";
    private boolean pathStyle;
    private String accessKey = "";
    private String secretKey = "";
    private String checksums = "auto";
    private FlexibleChecksums flexibleChecksums;
    private String sse = "";
    private String kmsKeyId = "";
    private int parallelism = 16;
    private UploadBandwidth bandwidth;

    /** Parts of one file sent at once by a multipart upload (rclone sends 4, the aws CLI 10). */
    public static final int PARTS_AT_ONCE_PER_FILE = 4;

    /**
     * Connections the pool may open: a request never waits for one. Files in flight are sync.parallelism, plus one
     * per batch lane's own thread (8), which uploads when the pool is busy; each may be a file sent in parts. With
     * the SDK's 50, 16 large files sending 4 parts each waited for a connection, and after 10 s the SDK failed them
     * as if S3 had not answered.
     */
    static int maxConnections(int parallelism) {
        return Math.max(50, (parallelism + 8) * PARTS_AT_ONCE_PER_FILE);
    }
    private Duration requestTimeout = Duration.ofSeconds(60);

    /** Empty for AWS, else the URL of an S3-compatible server. */
    public void setEndpoint(String endpoint) {
        this.endpoint = endpoint == null ? "" : endpoint.trim();
    }

    public void setRegion(String region) {
        this.region = region.trim();
    }

    public void setPathStyle(boolean pathStyle) {
        this.pathStyle = pathStyle;
    }

    /** Empty (with an empty secret key) for the AWS default credentials chain. */
    public void setAccessKey(String accessKey) {
        this.accessKey = accessKey == null ? "" : accessKey.trim();
    }

    public void setSecretKey(String secretKey) {
        this.secretKey = secretKey == null ? "" : secretKey.trim();
    }

    /** {@code auto} (the SDK's default integrity checksums) or {@code when-required}. */
    public void setChecksums(String checksums) {
        this.checksums = checksums.trim();
    }

    /** The pair's choice of checksums, shared with its multipart uploads; without one, s3.checksums decides alone. */
    public void setFlexibleChecksums(FlexibleChecksums flexibleChecksums) {
        this.flexibleChecksums = flexibleChecksums;
    }

    /** s3.sse: AES256, aws:kms or aws:kms:dsse; empty for the bucket's default encryption. */
    public void setSse(String sse) {
        this.sse = sse == null ? "" : sse.trim();
    }

    /** s3.kms-key-id, with s3.sse=aws:kms: the key; empty for the account's default KMS key. */
    public void setKmsKeyId(String kmsKeyId) {
        this.kmsKeyId = kmsKeyId == null ? "" : kmsKeyId.trim();
    }

    /** s3.request-timeout: a request that gets no data for this long fails (and is retried by the route). */
    public void setRequestTimeout(String timeout) {
        this.requestTimeout = io.watch2s3.config.Durations.parse("s3.request-timeout", timeout);
    }

    /** s3.bandwidth-limit: the pair's limit on the bytes its uploads send per second. */
    public void setBandwidth(UploadBandwidth bandwidth) {
        this.bandwidth = bandwidth;
    }

    /** Uploads in flight at once; the connection pool is sized to it. */
    public void setParallelism(int parallelism) {
        this.parallelism = parallelism;
    }

    public S3Client build() {
        var builder = S3Client.builder()
                .endpointProvider(ResolvedPerBucket.endpoints(S3EndpointProvider.defaultProvider()))
                .authSchemeProvider(ResolvedPerBucket.authSchemes(S3AuthSchemeProvider.defaultProvider()))
                .region(Region.of(region))
                .forcePathStyle(pathStyle)
                .credentialsProvider(credentials())
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(maxConnections(parallelism))
                        // waiting for a connection is no failure of S3's: only a request that gets no answer is
                        .connectionAcquisitionTimeout(requestTimeout)
                        .connectionTimeout(Duration.ofSeconds(5))
                        // the SDK marks the requests that should wait for "100 Continue" (see NoContinueForSmallBodies)
                        .expectContinueEnabled(false)
                        .socketTimeout(requestTimeout));
        if (!endpoint.isEmpty()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        // The SDK adds a checksum of its own only where S3 requires one; watch2s3 asks for the flexible checksums it
        // wants itself (the state's SHA-256 on a PUT, a CRC32 per part), so that it can stop when the server refuses
        // them (FlexibleChecksums), which a client-wide setting could not.
        builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
        if ("when-required".equals(checksums)) {
            builder.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        FlexibleChecksums choice = flexibleChecksums != null ? flexibleChecksums : new FlexibleChecksums();
        if (flexibleChecksums == null) {
            choice.setChecksums(checksums);
            choice.setEndpoint(endpoint);
        }
        // One retry layer, the route's (sync.max-retries): with the SDK's own three attempts under each of the route's,
        // a dead endpoint held a file three times as long, and S3Health would learn of an outage only at the end.
        builder.overrideConfiguration(c -> {
            c.addExecutionInterceptor(new NoContinueForSmallBodies()).retryStrategy(AwsRetryStrategy.doNotRetry());
            c.addExecutionInterceptor(new StateHashAsChecksum(choice)).addExecutionInterceptor(choice);
            if (!sse.isEmpty()) {
                c.addExecutionInterceptor(new EncryptedUploads(sse, kmsKeyId));
            }
            if (bandwidth != null && bandwidth.limitsAtSomeTime()) {
                c.addExecutionInterceptor(new ThrottledUploads(bandwidth));
            }
        });
        if (endpoint.startsWith("http://")) {
            // Over plain HTTP the SDK signs every payload. Chunked, that is a signature per chunk and a framing the
            // server must take apart; in one piece, a SHA-256 over the file before it is sent. For the small files
            // that make up most syncs the second costs 15 % less client CPU (measured, 10,000 files on S3Proxy).
            builder.serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build());
        }
        return builder.build();
    }

    private AwsCredentialsProvider credentials() {
        if (accessKey.isEmpty()) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }
}
