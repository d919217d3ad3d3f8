package io.watch2s3;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.failure.FailureKind;
import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * A file larger than s3.part-size goes up as a multipart upload (here parts of 5 MB, S3's smallest), through a proxy
 * that can fail or hold any part: it arrives whole with the metadata of a single PUT, a failed part is sent again
 * without the others, and an upload that cannot be completed (the file changed, S3 refused a part) is aborted, so no
 * parts stay behind, while the next change still arrives.
 */
class MultipartUploadsTest extends ProxiedS3TestBase {

    private static final int PART = 5 * 1024 * 1024;
    private static final Map<String, String> IN_PARTS_OF_5MB = Map.of("s3.part-size", "5MB");

    @Test
    void aFileLargerThanThePartSizeArrivesInPartsWithTheMetadataOfAPut() throws Exception {
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            byte[] large = write("video/big film.mp4", 2 * PART + 123, 1);
            byte[] exact = write("exactly one part.bin", PART, 2); // not larger: one PUT
            awaitBytes("video/big film.mp4", large);
            awaitBytes("exactly one part.bin", exact);

            HeadObjectResponse head = s3.head(bucket, "video/big film.mp4");
            assertTrue(head.eTag().endsWith("-3\""), "three parts: " + head.eTag());
            assertEquals("video/mp4", head.contentType());
            assertEquals(hex(digest("SHA-256", large)), head.metadata().get("sha256"));
            assertEquals(Base64.getEncoder().encodeToString(digest("MD5", large)), head.metadata().get("md5chksum"));
            assertTrue(head.metadata().containsKey("mtime"), head.metadata().toString());
            assertEquals(List.of(1, 2, 3), partsSent("video/big film.mp4"));
            assertTrue(!s3.head(bucket, "exactly one part.bin").eTag().contains("-"), "a single PUT");
            assertEquals(List.of(), partsSent("exactly one part.bin"));
            assertEquals(2, app.counters().getUploaded());
            assertEquals(List.of(), unfinishedUploads());
        }
    }

    @Test
    void aPartS3FailsToTakeIsSentAgainWithoutTheOthers() throws Exception {
        proxy.when(r -> r.isPut() && r.query().contains("partNumber=2")).times(2).respond(503, "SlowDown");
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            byte[] large = write("big.bin", 3 * PART + 1, 3);
            awaitBytes("big.bin", large);
            assertEquals(List.of(1, 2, 2, 2, 3, 4), partsSent("big.bin"));
            assertEquals(1, proxy.requests().stream()
                    .filter(s -> s.request().method().equals("POST") && s.request().query().startsWith("uploads"))
                    .count(), "one multipart upload, begun once");
            assertEquals(0, app.counters().getFailed());
            assertEquals(List.of(), unfinishedUploads());
        }
    }

    @Test
    void aFileThatChangesWhileItsPartsGoIsNotCompletedAndItsNewContentArrives() throws Exception {
        FaultyS3Proxy.Hold secondPart = proxy.when(r -> r.isPut() && r.query().contains("partNumber=2")).times(1)
                .hold();
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            write("growing.log", 2 * PART + 10, 4);
            secondPart.awaitArrival(LONG);
            byte[] rewritten = write("growing.log", 2 * PART + 10, 5); // same size, other content
            secondPart.release();
            awaitBytes("growing.log", rewritten);
            assertEquals(List.of(), unfinishedUploads(), "the first upload was aborted, not left in the bucket");
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aPartS3RefusesEndsTheFilesTurnAndItsUploadIsAborted() throws Exception {
        proxy.when(r -> r.isPut() && r.query().contains("partNumber=2")).respond(400, "InvalidArgument");
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            write("refused.bin", 2 * PART + 1, 6);
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.REFUSED_BY_S3) == 1);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            assertTrue(!s3.exists(bucket, "refused.bin"));
            assertTrue(proxy.requests().stream().anyMatch(s -> s.request().method().equals("DELETE")
                    && s.request().query().contains("uploadId")), "an AbortMultipartUpload was sent");
            aLaterChangeStillArrives();
        }
    }

    @Test
    void anUploadAbortedInS3MeanwhileIsBegunAnew() throws Exception {
        FaultyS3Proxy.Hold secondPart = proxy.when(r -> r.isPut() && r.query().contains("partNumber=2")).times(1)
                .hold();
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            byte[] large = write("lifecycle.bin", 2 * PART + 7, 7);
            secondPart.awaitArrival(LONG);
            // what a lifecycle rule for incomplete uploads does to a slow one
            for (MultipartUpload upload : unfinishedUploads()) {
                s3.client().abortMultipartUpload(b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
            }
            secondPart.release(); // S3 now answers NoSuchUpload
            awaitBytes("lifecycle.bin", large);
            assertEquals(0, app.counters().getFailed());
        }
    }

    @Test
    void withChecksumsWhenRequiredEachPartCarriesItsContentMd5() throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(IN_PARTS_OF_5MB);
        settings.put("s3.checksums", "when-required");
        try (TestApp app = startThroughProxy(settings)) {
            byte[] large = write("plain.bin", PART + 99, 8);
            awaitBytes("plain.bin", large);
            assertEquals(List.of(1, 2), partsSent("plain.bin"));
        }
    }

    @Test
    void aDryRunSendsNoPart() throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(IN_PARTS_OF_5MB);
        settings.put("sync.dry-run", "true");
        write("big.bin", PART + 1, 9);
        try (TestApp app = startThroughProxy(settings)) {
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 1); // counted as "would upload"
            assertTrue(proxy.requests().stream().noneMatch(s -> s.request().key().equals("big.bin")),
                    proxy.requests().toString());
        }
    }

    private byte[] write(String path, int size, long seed) throws Exception {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        Path file = tree.resolve(path);
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(temporary, content);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return content;
    }

    private void awaitBytes(String key, byte[] content) {
        await().atMost(LONG).pollInterval(Duration.ofMillis(200))
                .until(() -> s3.exists(bucket, key) && java.util.Arrays.equals(s3.get(bucket, key), content));
        assertArrayEquals(content, s3.get(bucket, key));
    }

    /** The part numbers of {@code key}'s UploadPart requests, in order (four are sent at once). */
    private List<Integer> partsSent(String key) {
        return proxy.requests().stream()
                .filter(s -> s.request().isPut() && s.request().key().equals(key)
                        && s.request().query().contains("partNumber="))
                .map(s -> Integer.parseInt(s.request().query().replaceAll(".*partNumber=(\\d+).*", "$1")))
                .sorted().toList();
    }

    private List<MultipartUpload> unfinishedUploads() {
        return s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads();
    }

    private static byte[] digest(String algorithm, byte[] content) throws Exception {
        return MessageDigest.getInstance(algorithm).digest(content);
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
