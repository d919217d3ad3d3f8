package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.s3.S3ClientBuilder;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * With s3.checksums=auto, every upload carries the SHA-256 the state database records as its x-amz-checksum-sha256:
 * S3 checks the bytes against the very hash the state keeps, and refuses them when they differ. With when-required
 * (servers that reject flexible checksums) none is sent. On S3Mock, which checks and keeps such checksums as S3 does.
 */
class StateHashCheckedByS3Test extends S3TestBase {

    private static final Duration DEADLINE = Duration.ofMinutes(2);

    @Test
    void eachUploadIsCheckedAgainstTheHashTheStateRecords() throws Exception {
        byte[] large = new byte[3 * 1024 * 1024 + 17]; // streamed from disk, not sent from memory
        new Random(7).nextBytes(large);
        try (TestApp app = start(Map.of())) {
            write(tree, "small.txt", "a few bytes");
            Files.write(Files.createDirectories(tree.resolve("dir")).resolve("large.bin"), large);
            StateDatabase state = app.bean("stateDatabase", StateDatabase.class);
            for (String path : new String[] {"small.txt", "dir/large.bin"}) {
                await().atMost(DEADLINE).until(() -> state.find(path).filter(r -> !r.isPending()).isPresent());
                String recorded = state.find(path).orElseThrow().sha256();
                assertEquals(sha256(Files.readAllBytes(tree.resolve(path))), recorded, path);
                assertEquals(base64OfHex(recorded), checksumInS3(path), "S3 checked " + path + " against it");
            }
        }
    }

    @Test
    void s3RefusesBytesThatDoNotHashToTheRecordedHash() {
        try (S3Client client = client("auto")) {
            S3Exception refused = assertThrows(S3Exception.class, () -> client.putObject(PutObjectRequest.builder()
                    .bucket(bucket).key("wrong.txt").metadata(Map.of("sha256", sha256(bytes("other content"))))
                    .build(), RequestBody.fromBytes(bytes("these bytes"))));
            assertEquals(400, refused.statusCode(), refused.getMessage());
            assertTrue(!s3.exists(bucket, "wrong.txt"), "nothing stored");
        }
    }

    @Test
    void withChecksumsWhenRequiredNoChecksumIsSent() {
        try (S3Client client = client("when-required")) {
            // not a hash the server could check: it was not sent (Content-MD5 is the check there, when watch2s3 read
            // the file)
            client.putObject(PutObjectRequest.builder().bucket(bucket).key("plain.txt")
                    .metadata(Map.of("sha256", sha256(bytes("other content")))).build(),
                    RequestBody.fromBytes(bytes("these bytes")));
            assertNull(checksumInS3("plain.txt"));
            assertEquals("these bytes", s3.getText(bucket, "plain.txt"));
        }
    }

    private S3Client client(String checksums) {
        S3ClientBuilder builder = new S3ClientBuilder();
        builder.setEndpoint(s3.url());
        builder.setPathStyle(true);
        builder.setAccessKey("test");
        builder.setSecretKey("test");
        builder.setChecksums(checksums);
        return builder.build();
    }

    private String checksumInS3(String key) {
        return s3.client().headObject(HeadObjectRequest.builder().bucket(bucket).key(key)
                .checksumMode(ChecksumMode.ENABLED).build()).checksumSHA256();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] content) throws RuntimeException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64OfHex(String hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }
}
