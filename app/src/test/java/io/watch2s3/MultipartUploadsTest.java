package io.watch2s3;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.support.JarTest;
import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.LogCapture;
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
            assertTrue(proxy.requests().stream().filter(seen -> seen.request().query().contains("partNumber="))
                    .allMatch(seen -> seen.amzHeaders().containsKey("x-amz-checksum-crc32")), "S3 checks each part");
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
        FaultyS3Proxy.Hold secondPart = holdSecondPart();
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
        FaultyS3Proxy.Hold secondPart = holdSecondPart();
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            byte[] large = write("lifecycle.bin", 2 * PART + 7, 7);
            secondPart.awaitArrival(LONG);
            // what a lifecycle rule for incomplete uploads does to a slow one
            for (MultipartUpload upload : unfinishedUploads()) {
                try {
                    s3.client().abortMultipartUpload(b -> b.bucket(bucket).key(upload.key())
                            .uploadId(upload.uploadId()));
                } catch (software.amazon.awssdk.services.s3.model.NoSuchUploadException e) {
                    // the SDK's second attempt, after a first whose answer was lost (seen in CI): aborted all the same
                }
            }
            assertEquals(List.of(), unfinishedUploads());
            secondPart.release(); // S3 now answers NoSuchUpload
            awaitBytes("lifecycle.bin", large);
            assertEquals(0, app.counters().getFailed());
        }
    }

    /**
     * 13 large files at once, 4 parts each: 52 requests, more than the SDK's 50 connections. None may wait for a
     * connection until the SDK gives up on it (10 s by default), which it took for S3 not answering.
     */
    @Test
    void manyLargeFilesAtOnceGetAConnectionForEveryPart() throws Exception {
        FaultyS3Proxy.Hold parts = proxy.when(r -> r.isPut() && r.query().contains("partNumber=")).holdBeforeBody();
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {     // sync.parallelism 16: all 13 files at once
            Map<String, byte[]> files = new java.util.TreeMap<>();
            for (int i = 0; i < 13; i++) {
                files.put("large-" + i + ".bin", write("large-" + i + ".bin", 3 * PART + 1, 100 + i));
            }
            await().atMost(LONG).untilAsserted(() -> assertEquals(52, parts.arrivals().size(),
                    "parts held: " + parts.arrivals().stream().map(r -> r.key() + "?" + r.query().replaceAll(
                            ".*partNumber=(\\d+).*", "$1")).sorted().toList()));
            Thread.sleep(12_000); // longer than the SDK's default wait for a connection: the fault, not a timing
            parts.release();
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                awaitBytes(file.getKey(), file.getValue());
            }
            assertEquals(0, app.counters().getFailed());
            assertEquals(52, parts.arrivals().size(), "each part sent once");
        }
    }

    /**
     * A run killed while a file's parts go leaves an unfinished upload in S3; the state database remembered it with
     * the file it was of. The file is unchanged, so the next start goes on with it: the parts S3 holds are not sent
     * again (the first listing of its parts gets no answer: the route's next try lists them again).
     */
    @JarTest
    void anUploadAKill9CutShortIsGoneOnWithAtTheNextStartSendingOnlyTheMissingParts() throws Exception {
        byte[] large = write("big.bin", 6 * PART + 3, 10);
        String left = killedWhilePart5IsHeld("big.bin");
        FaultyS3Proxy.Fault listingFails = proxy.when(r -> r.method().equals("GET")
                && r.query().contains("uploadId=")).times(1).dropConnection();
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), processThroughProxy(Map.of()), Map.of())) {
            awaitBytes("big.bin", large);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            assertEquals(1, listingFails.matches(), "the first listing failed");
            assertTrue(proxy.requests().stream().noneMatch(s -> s.request().method().equals("POST")
                    && s.request().query().contains("uploads")), "no new upload was begun: " + proxy.requests());
            List<Integer> sentAgain = partsSent("big.bin");
            assertTrue(sentAgain.contains(5) && !sentAgain.containsAll(List.of(1, 2, 3, 4)),
                    "only what S3 did not hold: " + sentAgain + second.stderr());
            assertTrue(proxy.requests().stream().anyMatch(s -> s.request().method().equals("POST")
                    && s.request().query().contains("uploadId=" + left)), "the left upload was completed");
            await().atMost(LONG).until(() -> second.stderr().contains(
                    "going on with the multipart upload of big.bin that the last run left"));
            // the bytes sent now are the rest: the line (and watch2s3_bytes_uploaded_total) say so
            String bytesLeft = second.stderr().replaceAll(
                    "(?s).*the last run left: \\d of its 7 parts \\((\\d+) bytes.*", "$1");
            await().atMost(LONG).until(() -> second.stderr().contains("uploaded big.bin (" + (6L * PART + 3)
                    + " bytes, " + bytesLeft + " of them sent by the last run)"));
            write("later.bin", 10, 99);
            awaitBytes("later.bin", Files.readAllBytes(tree.resolve("later.bin")));
            second.terminate();
            assertEquals(0, second.waitFor(60));
        }
    }

    /** The file changed while watch2s3 was down: the left upload is of other content; aborted, the file sent whole. */
    @JarTest
    void anUploadLeftForAFileThatChangedSinceIsAbortedAndTheFileSentWhole() throws Exception {
        write("big.bin", 6 * PART + 3, 10);
        String left = killedWhilePart5IsHeld("big.bin");
        byte[] changed = write("big.bin", 6 * PART + 3, 11);
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), processThroughProxy(Map.of()), Map.of())) {
            awaitBytes("big.bin", changed);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            assertTrue(proxy.requests().stream().anyMatch(s -> s.request().method().equals("DELETE")
                    && s.request().query().contains("uploadId=" + left)), "the left upload was aborted");
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), partsSent("big.bin"));
            await().atMost(LONG).until(() -> second.stderr().contains(
                    "aborted the multipart upload of big.bin that the last run left unfinished"));
        }
    }

    /**
     * The file was excluded (sync.exclude) while watch2s3 was down: this run never uploads it, so nothing would go on
     * with the left upload. It is aborted at start. Before, it was kept at every start, waiting for an upload that
     * never came, and its parts stayed in the bucket (billed) for good.
     */
    @JarTest
    void anUploadLeftForAFileExcludedSinceIsAbortedAtStart() throws Exception {
        write("big.bin", 6 * PART + 3, 10);
        String left = killedWhilePart5IsHeld("big.bin");
        List<String> excluded = processThroughProxy(Map.of("sync.exclude", "*.bin"));
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), excluded, Map.of())) {
            await().atMost(LONG).until(() -> second.stderr().contains(
                    "aborted the multipart upload of big.bin that the last run left unfinished"));
            assertTrue(proxy.requests().stream().anyMatch(s -> s.request().method().equals("DELETE")
                    && s.request().query().contains("uploadId=" + left)), "the left upload was aborted");
            assertEquals(List.of(), unfinishedUploads());
            write("later.txt", 10, 98);
            awaitBytes("later.txt", Files.readAllBytes(tree.resolve("later.txt")));
            assertEquals(List.of(), partsSent("big.bin"));
            assertTrue(!s3.exists(bucket, "big.bin"));
        }
    }

    /**
     * s3.prefix changed while watch2s3 was down: the file now goes to another key, so the upload left under the old
     * one is aborted at start and the file is sent whole to its new key.
     */
    @JarTest
    void anUploadLeftUnderAnotherPrefixIsAbortedAndTheFileSentToItsNewKey() throws Exception {
        byte[] large = write("big.bin", 6 * PART + 3, 10);
        String left = killedWhilePart5IsHeld("big.bin");
        List<String> prefixed = processThroughProxy(Map.of("s3.prefix", "site/"));
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), prefixed, Map.of())) {
            awaitBytes("site/big.bin", large);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            assertTrue(proxy.requests().stream().anyMatch(s -> s.request().method().equals("DELETE")
                    && s.request().query().contains("uploadId=" + left)), "the left upload was aborted");
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), partsSent("site/big.bin"));
            assertTrue(second.stderr().contains(
                    "aborted the multipart upload of big.bin that the last run left unfinished"), second.stderr());
        }
    }

    /**
     * A server that cannot list the left upload's parts (S3Proxy answers 500 for good after a killed run left half a
     * part): the file is sent whole at once, not held back by retries of the listing.
     */
    @JarTest
    void aLeftUploadWhosePartsS3CannotListIsSentWholeAtOnce() throws Exception {
        byte[] large = write("big.bin", 6 * PART + 3, 10);
        String left = killedWhilePart5IsHeld("big.bin");
        FaultyS3Proxy.Fault cannotList = proxy.when(r -> r.method().equals("GET") && r.query().contains("uploadId="))
                .respond(500, "InternalError");
        List<String> once = processThroughProxy(Map.of("sync.once", "true"));
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), once, Map.of())) {
            assertEquals(0, second.waitFor(120), second.stderr());
            assertArrayEquals(large, s3.get(bucket, "big.bin"));
            assertEquals(1, cannotList.matches(), "listed once, not retried");
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), partsSent("big.bin"));
            assertTrue(second.stderr().contains("the multipart upload of big.bin that the last run left is not gone on"
                    + " with (HTTP 500 InternalError"), second.stderr());
            assertTrue(!second.stderr().contains("ERROR") && !second.stderr().contains("S3 request failed"),
                    second.stderr());
            assertTrue(proxy.requests().stream().anyMatch(s -> s.request().method().equals("DELETE")
                    && s.request().query().contains("uploadId=" + left)), "the left upload was aborted");
        }
        assertEquals(List.of(), unfinishedUploads());
    }

    /** S3 no longer has the left upload (a lifecycle rule aborted it): listing its parts is a 404; sent anew. */
    @JarTest
    void aLeftUploadS3NoLongerHasIsBegunAnew() throws Exception {
        byte[] large = write("big.bin", 6 * PART + 3, 10);
        String left = killedWhilePart5IsHeld("big.bin");
        s3.client().abortMultipartUpload(b -> b.bucket(bucket).key("big.bin").uploadId(left));
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), processThroughProxy(Map.of()), Map.of())) {
            awaitBytes("big.bin", large);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            assertTrue(proxy.requests().stream().anyMatch(s -> s.request().method().equals("GET")
                    && s.request().query().contains("uploadId=" + left) && s.status() == 404),
                    proxy.requests().toString());
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), partsSent("big.bin"));
            write("later.bin", 10, 99);
            awaitBytes("later.bin", Files.readAllBytes(tree.resolve("later.bin")));
        }
    }

    /**
     * A left upload whose parts the server lists as none (S3Proxy does so for an upload it completed or aborted, as a
     * kill -9 right after a completion leaves one remembered): nothing to keep, so a new upload, not parts sent to an
     * upload that cannot be completed.
     */
    @JarTest
    void aLeftUploadListedWithoutPartsIsNotGoneOnWith() throws Exception {
        byte[] large = write("big.bin", 6 * PART + 3, 10);
        String left = killedWhilePart5IsHeld("big.bin");
        proxy.when(r -> r.method().equals("GET") && r.query().contains("uploadId=" + left)).times(1)
                .answerOk("<ListPartsResult><Bucket>" + bucket + "</Bucket><Key>big.bin</Key><UploadId>" + left
                        + "</UploadId><IsTruncated>false</IsTruncated></ListPartsResult>");
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), processThroughProxy(Map.of()), Map.of())) {
            awaitBytes("big.bin", large);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            await().atMost(LONG).until(() -> second.stderr().contains("the multipart upload of big.bin that the last"
                    + " run left is listed without parts (S3 may have completed or aborted it): the file is sent whole"));
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), partsSent("big.bin"));
            assertTrue(proxy.requests().stream().noneMatch(s -> s.request().isPut()
                    && s.request().query().contains("uploadId=" + left)), "no part sent to the left upload");
            write("later.bin", 10, 99);
            awaitBytes("later.bin", Files.readAllBytes(tree.resolve("later.bin")));
        }
    }

    /**
     * A left upload that takes the missing parts but whose completion S3 answers with NoSuchKey (S3Proxy, for an
     * upload it had completed): begun anew at once, rather than the file counted as refused by S3.
     */
    @JarTest
    void aGoneOnWithUploadWhoseCompletionSaysNoSuchKeyIsBegunAnew() throws Exception {
        byte[] large = write("big.bin", 6 * PART + 3, 10);
        String left = killedWhilePart5IsHeld("big.bin");
        FaultyS3Proxy.Fault noSuchKey = proxy.when(r -> r.method().equals("POST")
                && r.query().contains("uploadId=" + left)).times(1).respond(404, "NoSuchKey");
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), processThroughProxy(Map.of()), Map.of())) {
            awaitBytes("big.bin", large);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            assertEquals(1, noSuchKey.matches());
            assertTrue(second.stderr().contains("going on with the multipart upload of big.bin"), second.stderr());
            assertTrue(!second.stderr().contains("refused"), second.stderr());
            write("later.bin", 10, 99);
            awaitBytes("later.bin", Files.readAllBytes(tree.resolve("later.bin")));
        }
    }

    /**
     * Starts watch2s3, holds part 5 of {@code path}'s upload at the proxy once parts 1 to 4 are in S3, and kills the
     * process (SIGKILL). Returns the id of the upload it left; the proxy's requests are cleared.
     */
    private String killedWhilePart5IsHeld(String path) throws Exception {
        FaultyS3Proxy.Hold fifthPart = proxy.when(r -> r.isPut() && r.query().contains("partNumber=5")).times(1).hold();
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), processThroughProxy(Map.of()), Map.of())) {
            fifthPart.awaitArrival(LONG);
            await().atMost(LONG).until(() -> unfinishedUploads().size() == 1 && s3.client().listParts(b -> b
                    .bucket(bucket).key(path).uploadId(unfinishedUploads().get(0).uploadId())).parts().size() >= 4);
            first.close(); // SIGKILL, while part 5 is under way
            first.waitFor(30);
        }
        // part 5 stays held (at most one is): released, the proxy would pass the dead process's part on to S3
        proxy.clearRequests();
        assertEquals(1, unfinishedUploads().size(), "the killed run's upload is left in S3");
        return unfinishedUploads().get(0).uploadId();
    }

    /**
     * A stop (SIGTERM) while a part gets no answer: when the stop's grace period ends the part fails (the S3 client
     * closes its connections), the file's turn ends and the process exits 0 rather than waiting for the request
     * timeout. The upload is kept: the next start goes on with it, sends the part that failed, and no upload is left.
     */
    @JarTest
    void aStopWhileAPartGetsNoAnswerEndsTheFilesTurnAndTheNextStartGoesOnWithItsUpload() throws Exception {
        byte[] large = write("held.bin", 2 * PART + 3, 14);
        FaultyS3Proxy.Hold secondPart = holdSecondPart();
        List<String> jvm = processThroughProxy(Map.of("camel.main.shutdown-timeout", "2"));
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), jvm, Map.of())) {
            secondPart.awaitArrival(LONG);
            await().atMost(LONG).until(() -> unfinishedUploads().size() == 1 && s3.client().listParts(b -> b
                    .bucket(bucket).key("held.bin").uploadId(unfinishedUploads().get(0).uploadId())).parts()
                    .size() == 2);
            first.terminate();
            assertEquals(0, first.waitFor(120), first.stderr());
            assertTrue(first.stderr().contains("S3 request failed for held.bin"), first.stderr());
        }
        assertEquals(1, unfinishedUploads().size(), "kept for the next start");
        // part 2 stays held (at most one is): released, the proxy would pass the stopped process's part on to S3
        proxy.clearRequests();
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), jvm, Map.of())) {
            awaitBytes("held.bin", large);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            assertEquals(List.of(2), partsSent("held.bin"), "only the part the stop cut short");
            second.terminate();
            assertEquals(0, second.waitFor(60), second.stderr());
        }
    }

    /**
     * A stop (SIGTERM) while a part is refused with a 500: no retry once stopping, the file's turn ends within the
     * grace period, and its upload is kept, not aborted; the next start sends only that part.
     */
    @JarTest
    void aPartThatFailsWhileStoppingLeavesTheUploadForTheNextStartToGoOnWith() throws Exception {
        byte[] large = write("stopped.bin", 2 * PART + 3, 17);
        FaultyS3Proxy.Hold secondPart = proxy.when(r -> r.isPut() && r.query().contains("partNumber=2")).times(1)
                .holdBeforeBody();
        List<String> jvm = processThroughProxy(Map.of("camel.main.shutdown-timeout", "60"));
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), jvm, Map.of())) {
            secondPart.awaitArrival(LONG);
            await().atMost(LONG).until(() -> unfinishedUploads().size() == 1 && s3.client().listParts(b -> b
                    .bucket(bucket).key("stopped.bin").uploadId(unfinishedUploads().get(0).uploadId())).parts()
                    .size() == 2);
            FaultyS3Proxy.Fault refused = proxy.when(r -> r.isPut() && r.query().contains("partNumber=2"))
                    .respond(500, "InternalError");
            first.terminate();
            await().atMost(LONG).until(() -> first.stderr().contains("SIGTERM received"));
            secondPart.release();
            assertEquals(0, first.waitFor(120), first.stderr());
            assertTrue(first.stderr().contains("stopping: 2 of the 3 parts of stopped.bin are in S3; the next start"
                    + " goes on with its upload if the file is unchanged"), first.stderr());
            assertTrue(proxy.requests().stream().noneMatch(s -> s.request().method().equals("DELETE")),
                    "not aborted: " + proxy.requests());
            refused.remove();
        }
        assertEquals(1, unfinishedUploads().size(), "kept for the next start");
        proxy.clearRequests();
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), jvm, Map.of())) {
            awaitBytes("stopped.bin", large);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            assertEquals(List.of(2), partsSent("stopped.bin"));
            write("later.bin", 10, 99);
            awaitBytes("later.bin", Files.readAllBytes(tree.resolve("later.bin")));
        }
    }

    /**
     * SIGTERM while a file's first parts go (slowly, under a bandwidth limit): no part begins after it. The parts in
     * flight end (at full speed: the limit no longer holds once stopping), the process exits 0 without sending the
     * rest of the file, and the next start sends only the parts that had not begun.
     */
    @JarTest
    void aStopBeginsNoMorePartsAndTheNextStartSendsOnlyThoseThatHadNot() throws Exception {
        byte[] large = write("slow.bin", 6 * PART + 3, 18); // 7 parts, 4 at a time
        FaultyS3Proxy.Hold firstPart = proxy.when(r -> r.isPut() && r.query().contains("partNumber=1&")).times(1)
                .holdBeforeBody();
        List<String> jvm = processThroughProxy(Map.of("s3.bandwidth-limit", "1MB"));
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), jvm, Map.of())) {
            firstPart.awaitArrival(LONG); // the parts are under way
            first.terminate();
            await().atMost(LONG).until(() -> first.stderr().contains("SIGTERM received"));
            firstPart.release();
            assertEquals(0, first.waitFor(120), first.stderr());
            assertTrue(first.stderr().matches("(?s).*stopping: [1-4] of the 7 parts of slow\\.bin are in S3.*"),
                    first.stderr());
            assertTrue(!first.stderr().contains("ERROR") && !first.stderr().contains("WARN"), first.stderr());
        }
        String left = unfinishedUploads().get(0).uploadId();
        List<Integer> inS3 = s3.client().listParts(b -> b.bucket(bucket).key("slow.bin").uploadId(left)).parts()
                .stream().map(p -> p.partNumber()).toList();
        proxy.clearRequests();
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), processThroughProxy(Map.of()), Map.of())) {
            awaitBytes("slow.bin", large);
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            List<Integer> notBegun = new java.util.ArrayList<>(List.of(1, 2, 3, 4, 5, 6, 7));
            notBegun.removeAll(inS3);
            assertEquals(notBegun, partsSent("slow.bin"));
        }
    }

    /**
     * --once told to stop (SIGTERM) in the middle of a large file: it stops as a watching run does (no part begins,
     * exit 1: not everything was synced) instead of sending the rest first, and the next --once run goes on with the
     * upload.
     */
    @JarTest
    void aOnceRunStoppedInTheMiddleOfAFileStopsNowAndTheNextRunGoesOn() throws Exception {
        byte[] large = write("once.bin", 6 * PART + 3, 19);
        FaultyS3Proxy.Hold firstPart = proxy.when(r -> r.isPut() && r.query().contains("partNumber=1&")).times(1)
                .holdBeforeBody();
        Map<String, String> once = Map.of("sync.once", "true", "s3.bandwidth-limit", "1MB");
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), processThroughProxy(once), Map.of())) {
            firstPart.awaitArrival(LONG);
            first.terminate();
            await().atMost(LONG).until(() -> first.stderr().contains("SIGTERM received"));
            firstPart.release();
            assertEquals(1, first.waitFor(120), first.stderr());
            assertTrue(first.stderr().contains("stopped before everything was synced"), first.stderr());
            assertTrue(first.stderr().matches("(?s).*stopping: [1-4] of the 7 parts of once\\.bin are in S3.*"),
                    first.stderr());
            // the last line, once what was in flight has ended: it counts what ended during the stop
            assertTrue(first.stderr().indexOf("done: uploaded=") > first.stderr().indexOf("stopping: "),
                    first.stderr());
        }
        String left = unfinishedUploads().get(0).uploadId();
        List<Integer> inS3 = s3.client().listParts(b -> b.bucket(bucket).key("once.bin").uploadId(left)).parts()
                .stream().map(p -> p.partNumber()).toList();
        proxy.clearRequests();
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), processThroughProxy(Map.of("sync.once",
                "true")), Map.of())) {
            assertEquals(0, second.waitFor(120), second.stderr());
            assertArrayEquals(large, s3.get(bucket, "once.bin"));
            List<Integer> notBegun = new java.util.ArrayList<>(List.of(1, 2, 3, 4, 5, 6, 7));
            notBegun.removeAll(inS3);
            assertEquals(notBegun, partsSent("once.bin"));
        }
    }

    /**
     * The state database fails just as S3 completes an upload: the object is whole, but the database could not forget
     * the upload, so the next start aborts it once more; S3 answers NoSuchUpload, which counts as done: the memory is
     * cleared and the object stays.
     */
    @Test
    void anUploadCompletedAsTheStateFailsIsForgottenAtTheNextStartAndItsObjectStays() throws Exception {
        FaultyS3Proxy.Hold complete = proxy.when(r -> r.method().equals("POST") && r.query().contains("uploadId="))
                .times(1).hold();
        byte[] large;
        String uploadId;
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            large = write("completed.bin", PART + 1, 15);
            String query = complete.awaitArrival(LONG).query();
            uploadId = query.replaceFirst(".*uploadId=([^&]+).*", "$1");
            app.bean("stateDatabase", io.watch2s3.state.StateDatabase.class).stop();
            complete.release();
            awaitBytes("completed.bin", large);
        }
        var db = new io.watch2s3.state.StateDatabase();
        db.setDirectory(state.toString());
        db.start();
        try {
            assertEquals(List.of(uploadId), db.unfinishedUploads().stream().map(u -> u.uploadId()).toList(),
                    "completed, but not forgotten");
        } finally {
            db.stop();
        }
        proxy.clearFaults();
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            var restarted = app.bean("stateDatabase", io.watch2s3.state.StateDatabase.class);
            await().atMost(LONG).until(() -> restarted.unfinishedUploads().isEmpty());
            assertTrue(proxy.requests().stream().anyMatch(seen -> seen.request().method().equals("DELETE")
                    && seen.request().query().contains("uploadId=" + uploadId) && seen.status() == 404),
                    "aborted once more, S3 had no such upload: " + proxy.requests());
            awaitBytes("completed.bin", large);
            aLaterChangeStillArrives();
        }
    }

    /**
     * An upload the state database cannot remember would be left for good by a crash: it is aborted before any part
     * goes, and the file fails as waiting for the database. (Called on the pair's own bean: a database that fails just
     * between a batch's pending rows and a file's first part cannot be timed from outside.)
     */
    @Test
    void anUploadTheStateCannotRememberIsAbortedBeforeAnyPart() throws Exception {
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            write("unremembered.bin", PART + 1, 11);
            awaitBytes("unremembered.bin", Files.readAllBytes(tree.resolve("unremembered.bin")));
            proxy.clearRequests();
            app.bean("stateDatabase", io.watch2s3.state.StateDatabase.class).stop();
            var exchange = new org.apache.camel.support.DefaultExchange(app.camelContext());
            exchange.getMessage().setHeader("Watch2S3ObjectKey", "unremembered-again.bin");
            var file = new io.watch2s3.sync.FileInParts(tree, "unremembered.bin", new io.watch2s3.change.Fingerprint(
                    PART + 1, 0, 0, "00", null, false), 5L << 20);
            var parted = app.bean("partedUploads", io.watch2s3.sync.PartedUploads.class);
            Exception failed = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> parted.sendParts(exchange, file));
            assertEquals(io.watch2s3.failure.FailureKind.STATE_UNAVAILABLE, io.watch2s3.failure.Failure.of(failed).kind());
            assertEquals(List.of(), unfinishedUploads(), "begun, then aborted");
            assertTrue(proxy.requests().stream().noneMatch(s -> s.request().query().contains("partNumber=")),
                    "no part was sent: " + proxy.requests());
        }
    }

    /**
     * A single large file whose parts take longer than sync.stall-timeout, with no file finishing meanwhile, is no
     * stalled backlog: each part S3 confirms counts as progress. (Before, health turned DOWN during a healthy upload.)
     */
    @Test
    void partsThatKeepComingKeepTheBacklogHealthyThroughALongUpload() throws Exception {
        proxy.when(r -> r.isPut() && r.query().contains("partNumber=")).delay(Duration.ofSeconds(2));
        Map<String, String> settings = new java.util.HashMap<>(IN_PARTS_OF_5MB);
        settings.put("sync.stall-timeout", "3s");
        try (TestApp app = startThroughProxy(settings)) {
            var backlog = app.bean("backlogHealth", io.watch2s3.health.WatchHealthChecks.Backlog.class);
            Thread.sleep(3_500); // longer than the stall timeout since the start, when nothing had finished yet
            byte[] large = write("long.bin", 8 * PART + 1, 12); // 9 parts, 4 at a time, 2 s each: about 6 s
            List<String> states = new java.util.ArrayList<>();
            await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> {
                var result = backlog.call();
                states.add(result.getState() + result.getMessage().map(m -> ": " + m).orElse(""));
                return s3.exists(bucket, "long.bin");
            });
            assertArrayEquals(large, s3.get(bucket, "long.bin"));
            assertTrue(states.stream().allMatch(state -> state.startsWith("UP")), states.toString());
        }
    }

    /**
     * An abort S3 does not answer: the upload stays remembered. At the next start S3 still does not answer it (one
     * WARN, the start goes on and changes arrive); at the start after that it is aborted.
     */
    @Test
    void anAbortS3DoesNotAnswerIsDoneByALaterStart() throws Exception {
        FaultyS3Proxy.Fault refusedPart = proxy.when(r -> r.isPut() && r.query().contains("partNumber=2"))
                .respond(400, "InvalidArgument");
        FaultyS3Proxy.Fault noAborts = proxy.when(r -> r.method().equals("DELETE") && r.query().contains("uploadId"))
                .respond(503, "ServiceUnavailable");
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            write("refused.bin", 2 * PART + 1, 13);
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.REFUSED_BY_S3) == 1);
            await().atMost(LONG).until(() -> noAborts.matches() >= 1);
            aLaterChangeStillArrives();
        }
        assertEquals(1, unfinishedUploads().size(), "the abort was not answered");
        refusedPart.remove();
        write("refused.bin", 2 * PART + 1, 16); // changed: the left upload is not gone on with, but aborted
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            assertTrue(log.atLeast(Level.WARN).stream().anyMatch(line -> line.contains(
                    "could not abort the multipart uploads the last run left unfinished")), log.atLeast(Level.WARN)
                    .toString());
            io.watch2s3.support.Files2.write(tree, "second-run.txt", "arrives all the same");
            awaitObject("second-run.txt", "arrives all the same");
        }
        noAborts.remove();
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            await().atMost(LONG).until(() -> unfinishedUploads().isEmpty());
            assertTrue(log.atLeast(Level.INFO).stream().anyMatch(line -> line.contains(
                    "aborted the multipart upload of refused.bin that the last run left unfinished")));
            io.watch2s3.support.Files2.write(tree, "third-run.txt", "arrives too");
            awaitObject("third-run.txt", "arrives too");
        }
    }

    /**
     * An abort S3 refuses for good (the built-in S3Mock answers 500 for an upload of a run it did not see end): said
     * once, at INFO, and forgotten, rather than a WARN at every start for ever.
     */
    @Test
    void anAbortS3RefusesIsForgottenNotAskedAtEveryStart() throws Exception {
        FaultyS3Proxy.Fault refusedPart = proxy.when(r -> r.isPut() && r.query().contains("partNumber=2"))
                .respond(400, "InvalidArgument");
        FaultyS3Proxy.Fault noAborts = proxy.when(r -> r.method().equals("DELETE") && r.query().contains("uploadId"))
                .respond(500, "InternalError");
        try (TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            write("refused.bin", 2 * PART + 1, 13);
            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.REFUSED_BY_S3) == 1);
            await().atMost(LONG).until(() -> noAborts.matches() >= 1);
        }
        refusedPart.remove();
        byte[] changed = write("refused.bin", 2 * PART + 1, 20); // changed: the left upload is aborted, not gone on with
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(IN_PARTS_OF_5MB)) {
            var state = app.bean("stateDatabase", io.watch2s3.state.StateDatabase.class);
            await().atMost(LONG).until(() -> state.unfinishedUploads().isEmpty());
            assertTrue(log.atLeast(Level.INFO).stream().anyMatch(line -> line.contains("S3 does not abort the"
                    + " multipart upload of refused.bin that the last run left (HTTP 500 InternalError")),
                    log.atLeast(Level.INFO).toString());
            assertTrue(log.atLeast(Level.WARN).stream().noneMatch(line -> line.contains("could not abort")));
            awaitBytes("refused.bin", changed);
        }
        noAborts.remove();
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

    private byte[] write(String path, int size, long seed) {
        return io.watch2s3.support.Files2.placeRandom(tree, path, size, seed);
    }

    private FaultyS3Proxy.Hold holdSecondPart() {
        return proxy.when(r -> r.isPut() && r.query().contains("partNumber=2")).times(1).hold();
    }

    /** The JVM options of a watch2s3 process that sends through the proxy in parts of 5MB. */
    private List<String> processThroughProxy(Map<String, String> overrides) {
        Map<String, String> settings = settings(IN_PARTS_OF_5MB);
        settings.put("s3.endpoint", proxy.url());
        settings.putAll(overrides);
        return TestApp.asJvmOptions(settings);
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
