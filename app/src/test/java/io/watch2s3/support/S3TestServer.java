package io.watch2s3.support;

import io.watch2s3.local.LocalS3Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 API server for the tests: Adobe S3Mock on 127.0.0.1, with Tomcat's access log on so a test can count
 * the requests a bucket received (PUT, DELETE, LIST, HEAD) and see how many were in flight at once.
 */
public final class S3TestServer implements AutoCloseable {

    private final Path dir;
    private final Path accessLog;
    private final LocalS3Endpoint endpoint;
    private final S3Client client;

    private S3TestServer(Path dir, int port, Map<String, Object> extra) {
        this.dir = dir;
        this.accessLog = dir.resolve("logs/access.log");
        Map<String, Object> settings = new HashMap<>(LocalS3Endpoint.accessLog(dir.resolve("logs")));
        settings.putAll(extra);
        this.endpoint = LocalS3Endpoint.start(dir.resolve("objects"), port, "", settings);
        this.client = S3Client.builder()
                .endpointOverride(URI.create(endpoint.url()))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
    }

    public static S3TestServer start(Path dir) {
        return new S3TestServer(dir, 0, Map.of());
    }

    /** A server that knows these KMS keys (ARNs; requests name them by id) and refuses any other (KMS.NotFoundException), as S3 does. */
    public static S3TestServer startWithKmsKeys(Path dir, String... keyArns) {
        return new S3TestServer(dir, 0, Map.of("com.adobe.testing.s3mock.store.valid-kms-keys", String.join(",", keyArns)));
    }

    /** Starts again on the same port and directory, as a restarted server. */
    public static S3TestServer restart(Path dir, int port) {
        return new S3TestServer(dir, port, Map.of());
    }

    public String url() {
        return endpoint.url();
    }

    public int port() {
        return endpoint.port();
    }

    public Path dir() {
        return dir;
    }

    public S3Client client() {
        return client;
    }

    public void createBucket(String bucket) {
        client.createBucket(b -> b.bucket(bucket));
    }

    public byte[] get(String bucket, String key) {
        ResponseBytes<GetObjectResponse> bytes = client.getObjectAsBytes(b -> b.bucket(bucket).key(key));
        return bytes.asByteArray();
    }

    public String getText(String bucket, String key) {
        return new String(get(bucket, key), StandardCharsets.UTF_8);
    }

    public HeadObjectResponse head(String bucket, String key) {
        return client.headObject(b -> b.bucket(bucket).key(key));
    }

    public boolean exists(String bucket, String key) {
        try {
            client.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    public List<String> keys(String bucket) {
        List<String> keys = new ArrayList<>();
        for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()) {
            keys.add(o.key());
        }
        return keys;
    }

    /** Every request the server logged for {@code bucket} so far (the test's own reads included). */
    public List<AccessLogEntry> requests(String bucket) {
        try {
            if (!Files.exists(accessLog)) {
                return List.of();
            }
            return Files.readAllLines(accessLog, StandardCharsets.UTF_8).stream()
                    .map(AccessLogEntry::parse)
                    .filter(e -> e != null && e.bucket().equals(bucket))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        client.close();
        endpoint.close();
    }
}
