package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.health.S3Health;
import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.S3TestServer;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * s3.sse and s3.kms-key-id: S3 is asked to encrypt every object watch2s3 writes, sent in one PUT or in parts (here
 * parts of 5 MB), with the KMS key named. On S3Mock, which keeps a PUT object's encryption and, like S3, refuses a
 * KMS key it does not know; it keeps none for a multipart upload (checked with the SDK alone), so for those the test
 * reads what the CreateMultipartUpload asked for, in a proxy.
 */
class EncryptedUploadsTest {

    private static final String KEY_ID = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
    private static final Duration DEADLINE = Duration.ofMinutes(2);

    @TempDir
    static Path serverDir;
    static S3TestServer s3;

    @TempDir
    Path dir;
    Path tree;
    String bucket;
    FaultyS3Proxy proxy;

    @BeforeAll
    static void startServer() {
        // S3Mock knows keys by their ARN and takes their id in requests
        s3 = S3TestServer.startWithKmsKeys(serverDir, "arn:aws:kms:us-east-1:123456789012:key/" + KEY_ID);
    }

    @AfterAll
    static void stopServer() {
        s3.close();
    }

    @BeforeEach
    void bucketTreeAndProxy() throws Exception {
        tree = Files.createDirectories(dir.resolve("tree"));
        bucket = "sse-" + Math.abs(dir.hashCode());
        s3.createBucket(bucket);
        proxy = FaultyS3Proxy.start(s3.url());
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    private TestApp start(Map<String, String> overrides) throws Exception {
        Map<String, String> settings = new HashMap<>(TestApp.settings(s3, bucket, tree, dir.resolve("state")));
        settings.put("s3.endpoint", proxy.url());
        settings.put("s3.part-size", "5MB");
        settings.putAll(overrides);
        return TestApp.start(settings);
    }

    @Test
    void withAes256EveryObjectIsEncryptedByS3() throws Exception {
        try (TestApp app = start(Map.of("s3.sse", "AES256"))) {
            write(tree, "index.html", "<h1>secret</h1>");
            writeRandom("video.mp4", 6 * 1024 * 1024); // in parts
            await().atMost(DEADLINE).until(() -> s3.exists(bucket, "index.html") && s3.exists(bucket, "video.mp4"));
            assertEquals(ServerSideEncryption.AES256, s3.head(bucket, "index.html").serverSideEncryption());
            assertEquals(Map.of("x-amz-server-side-encryption", "AES256"), encryptionAskedAtTheStartOf("video.mp4"));
        }
    }

    /** A file S3 copies from another object (s3.server-side-copy) is asked to be encrypted as an upload would be. */
    @Test
    void aServerSideCopyIsEncryptedToo() throws Exception {
        try (TestApp app = start(Map.of("s3.sse", "AES256"))) {
            writeRandom("a.bin", 300 * 1024);
            await().atMost(DEADLINE).until(() -> s3.exists(bucket, "a.bin") && app.counters().getUploaded() == 1);
            Files.copy(tree.resolve("a.bin"), tree.resolve("b.bin"));
            await().atMost(DEADLINE).until(() -> app.counters().getCopied() == 1);
            FaultyS3Proxy.Seen copy = proxy.requests().stream()
                    .filter(r -> r.request().isPut() && r.request().key().equals("b.bin")).findFirst().orElseThrow();
            assertEquals(bucket + "/a.bin", copy.amzHeaders().get("x-amz-copy-source"));
            assertEquals("AES256", copy.amzHeaders().get("x-amz-server-side-encryption"));
            assertEquals(ServerSideEncryption.AES256, s3.head(bucket, "b.bin").serverSideEncryption());
            assertArrayEquals(Files.readAllBytes(tree.resolve("a.bin")), s3.get(bucket, "b.bin"));
        }
    }

    @Test
    void withAwsKmsEveryObjectIsEncryptedWithTheKeyNamedAndCarriesItsMd5() throws Exception {
        try (TestApp app = start(Map.of("s3.sse", "aws:kms", "s3.kms-key-id", KEY_ID))) {
            write(tree, "index.html", "<h1>secret</h1>");
            writeRandom("video.mp4", 6 * 1024 * 1024);
            await().atMost(DEADLINE).until(() -> s3.exists(bucket, "index.html") && s3.exists(bucket, "video.mp4"));
            HeadObjectResponse head = s3.head(bucket, "index.html");
            assertEquals(ServerSideEncryption.AWS_KMS, head.serverSideEncryption());
            assertEquals(KEY_ID, head.ssekmsKeyId());
            assertEquals(Map.of("x-amz-server-side-encryption", "aws:kms",
                    "x-amz-server-side-encryption-aws-kms-key-id", KEY_ID), encryptionAskedAtTheStartOf("video.mp4"));
            // with SSE-KMS the ETag is no MD5 of the content: rclone reads this instead
            for (String key : new String[] {"index.html", "video.mp4"}) {
                assertEquals(md5(tree.resolve(key)), s3.head(bucket, key).metadata().get("md5chksum"), key);
            }
        }
    }

    @Test
    void aKmsKeyS3DoesNotKnowIsReportedAsTheBucketsProblemAndNothingIsStored() throws Exception {
        try (LogCapture log = new LogCapture();
                TestApp app = start(Map.of("s3.sse", "aws:kms", "s3.kms-key-id", "ffffffff-not-a-key"))) {
            write(tree, "index.html", "<h1>secret</h1>");
            S3Health health = app.bean("s3Health", S3Health.class);
            await().atMost(DEADLINE).until(() -> health.getBucketProblem() != null);
            await().atMost(DEADLINE).until(() -> log.atLeast(Level.ERROR).stream().anyMatch(line -> line.contains(
                    "S3 refuses the encryption key: check s3.sse and s3.kms-key-id")));
            assertTrue(health.getBucketProblem().contains("KMS.NotFoundException"), health.getBucketProblem());
            assertTrue(!s3.exists(bucket, "index.html"));
            assertEquals(0, app.counters().getRefused(), "not refused for good: it waits for the setting");
        }
    }

    @Test
    void withoutSseNoEncryptionIsAskedFor() throws Exception {
        try (TestApp app = start(Map.of())) {
            write(tree, "plain.txt", "plain");
            writeRandom("video.mp4", 6 * 1024 * 1024);
            await().atMost(DEADLINE).until(() -> s3.exists(bucket, "plain.txt") && s3.exists(bucket, "video.mp4"));
            assertNull(s3.head(bucket, "plain.txt").serverSideEncryption());
            assertEquals(Map.of(), encryptionAskedAtTheStartOf("video.mp4"));
        }
    }

    /** The x-amz-server-side-encryption* headers of the CreateMultipartUpload of {@code key}. */
    private Map<String, String> encryptionAskedAtTheStartOf(String key) {
        FaultyS3Proxy.Seen create = proxy.requests().stream()
                .filter(s -> s.request().method().equals("POST") && s.request().key().equals(key)
                        && s.request().query().startsWith("uploads"))
                .findFirst().orElseThrow(() -> new AssertionError("no multipart upload of " + key));
        Map<String, String> encryption = new HashMap<>(create.amzHeaders());
        encryption.keySet().removeIf(name -> !name.startsWith("x-amz-server-side-encryption"));
        return encryption;
    }

    private void writeRandom(String path, int size) throws Exception {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        Files.write(tree.resolve(path), content);
    }

    private static String md5(Path file) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(file)));
    }
}
