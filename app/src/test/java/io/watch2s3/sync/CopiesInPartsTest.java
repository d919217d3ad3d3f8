package io.watch2s3.sync;

import static io.watch2s3.support.Files2.placeRandom;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.Files2;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A renamed file larger than one CopyObject takes (5GB) is copied by S3 in parts (UploadPartCopy), each part checked
 * against the file's bytes; whenever S3 does not copy a part as the file's bytes, the file's upload sends the parts
 * that were not copied. No test can make a 5GB file: the limit is lowered to 1MB on the bean (package io.watch2s3.sync
 * for that), and s3.part-size is 5MB, so a 12MB file is copied in three parts.
 */
class CopiesInPartsTest extends ProxiedS3TestBase {

    private static final int MB = 1 << 20;
    private static final int SIZE = 12 * MB;

    private TestApp startWithCopiesInParts(Map<String, String> overrides) throws Exception {
        Map<String, String> s = new HashMap<>(Map.of("s3.part-size", "5MB", "sync.deletes", "true"));
        s.putAll(overrides);
        TestApp app = startThroughProxy(s);
        app.bean("serverSideCopies", ServerSideCopies.class).setLargestSingleCopy(MB);
        return app;
    }

    private static boolean isPartCopy(FaultyS3Proxy.Request r) {
        return r.isPut() && r.query().contains("partNumber=") && r.carriesHeader("x-amz-copy-source");
    }

    private static boolean isPartUpload(FaultyS3Proxy.Request r) {
        return r.isPut() && r.query().contains("partNumber=") && !r.carriesHeader("x-amz-copy-source");
    }

    private List<FaultyS3Proxy.Request> seen(String key) {
        return proxy.requests().stream().map(FaultyS3Proxy.Seen::request).filter(r -> r.key().equals(key)).toList();
    }

    private long count(String key, java.util.function.Predicate<FaultyS3Proxy.Request> kind) {
        return seen(key).stream().filter(kind).count();
    }

    private byte[] uploaded(TestApp app, String path) {
        byte[] content = placeRandom(tree, path, SIZE, path.hashCode());
        awaitBytes(path, content);
        await().atMost(LONG).until(() -> app.counters().getUploaded() == 1);
        proxy.clearRequests();
        return content;
    }

    @Test
    void aRenamedFileLargerThanOneCopyIsCopiedInPartsAndIsTheObjectItsUploadWouldMake() throws Exception {
        try (TestApp app = startWithCopiesInParts(Map.of()); LogCapture log = new LogCapture()) {
            byte[] film = uploaded(app, "video/film.mp4");
            HeadObjectResponse uploadedHead = s3.head(bucket, "video/film.mp4");

            Files.move(tree.resolve("video/film.mp4"), tree.resolve("video/the film.mp4"));
            awaitBytes("video/the film.mp4", film);
            await().atMost(LONG).until(() -> !s3.exists(bucket, "video/film.mp4"));
            await().atMost(LONG).until(() -> app.counters().getCopied() == 1);

            assertEquals(3, count("video/the film.mp4", CopiesInPartsTest::isPartCopy));
            assertEquals(0, count("video/the film.mp4", CopiesInPartsTest::isPartUpload));
            assertEquals(1, app.counters().getUploaded());
            // the object an upload of the file in parts makes: the same ETag (parts alike), metadata and type
            HeadObjectResponse head = s3.head(bucket, "video/the film.mp4");
            assertEquals(uploadedHead.eTag(), head.eTag());
            assertEquals(uploadedHead.metadata().get("sha256"), head.metadata().get("sha256"));
            assertEquals(uploadedHead.metadata().get("md5chksum"), head.metadata().get("md5chksum"));
            assertEquals("video/mp4", head.contentType());
            assertTrue(log.lines(Level.INFO, "sync").stream().anyMatch(l -> l.contains(
                    "copied video/film.mp4 to video/the film.mp4 in S3")), log.lines(Level.INFO, "sync").toString());
            assertEquals(List.of(), s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads());
            aLaterChangeStillArrives();
        }
    }

    /**
     * A server that answers one CopyObject of a file that went up in parts with the ETag of those parts, and no
     * SHA-256 (s3.checksums=when-required, or a server that takes no checksums): nothing checks that copy, and the
     * file was copied, then uploaded. Now S3 copies it once more in parts, each checked by its ETag; nothing is
     * uploaded (no limit lowered here: 12MB, parts of 5MB).
     */
    @Test
    void aCopyWithNothingToCheckItByIsCopiedAgainInPartsNotUploaded() throws Exception {
        Map<String, String> s = new HashMap<>(Map.of("s3.part-size", "5MB", "s3.checksums", "when-required"));
        try (TestApp app = startThroughProxy(s); LogCapture log = new LogCapture()) {
            byte[] data = uploaded(app, "data.bin");
            FaultyS3Proxy.Fault partsEtag = proxy.when(r -> r.isPut() && r.carriesHeader("x-amz-copy-source")
                    && !r.query().contains("partNumber=")).answerOk("<CopyObjectResult><ETag>\"" + "0".repeat(32)
                    + "-3\"</ETag><LastModified>2026-12-07T12:00:00.000Z</LastModified></CopyObjectResult>");
            Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
            awaitBytes("copy.bin", data);
            await().atMost(LONG).until(() -> app.counters().getCopied() == 1);
            assertEquals(1, partsEtag.matches());
            assertEquals(3, count("copy.bin", CopiesInPartsTest::isPartCopy));
            assertEquals(0, count("copy.bin", CopiesInPartsTest::isPartUpload));
            assertEquals(s3.head(bucket, "data.bin").eTag(), s3.head(bucket, "copy.bin").eTag());
            assertEquals(1, app.counters().getUploaded());
            assertEquals(List.of(), log.atLeast(Level.WARN));
            aLaterChangeStillArrives();
        }
    }

    /**
     * kill -9 in the middle of a copy in parts: the multipart upload it left is gone on with at the next start, which
     * copies only the parts S3 does not hold, and none is uploaded.
     */
    @Test
    void aCopyInPartsAKill9CutShortIsGoneOnWithCopyingOnlyTheMissingParts() throws Exception {
        Map<String, String> s = new HashMap<>(Map.of("s3.part-size", "5MB", "s3.checksums", "when-required"));
        byte[] data;
        try (TestApp app = startThroughProxy(s)) {
            data = uploaded(app, "data.bin");
        }
        proxy.when(r -> r.isPut() && r.carriesHeader("x-amz-copy-source") && !r.query().contains("partNumber="))
                .answerOk("<CopyObjectResult><ETag>\"" + "0".repeat(32) + "-3\"</ETag></CopyObjectResult>");
        FaultyS3Proxy.Hold third = proxy.when(r -> isPartCopy(r) && r.query().contains("partNumber=3")).times(1)
                .hold();
        Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
        Map<String, String> process = settings(s);
        process.put("s3.endpoint", proxy.url());
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), TestApp.asJvmOptions(process), Map.of())) {
            third.awaitArrival(LONG);
            await().atMost(LONG).until(() -> {
                var left = s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads();
                return left.size() == 1 && s3.client().listParts(b -> b.bucket(bucket).key("copy.bin")
                        .uploadId(left.get(0).uploadId())).parts().size() == 2;
            });
            first.close(); // SIGKILL while part 3 is held
            first.waitFor(30);
        }
        proxy.clearRequests();
        assertEquals(1, s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads().size());
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), TestApp.asJvmOptions(process), Map.of())) {
            awaitBytes("copy.bin", data);
            await().atMost(LONG).until(() -> s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads()
                    .isEmpty());
            List<FaultyS3Proxy.Request> copies = seen("copy.bin").stream().filter(CopiesInPartsTest::isPartCopy)
                    .toList();
            assertEquals(1, copies.size(), copies + second.stderr());
            assertTrue(copies.get(0).query().contains("partNumber=3"), copies.toString());
            assertEquals(0, count("copy.bin", CopiesInPartsTest::isPartUpload));
            await().atMost(LONG).until(() -> second.stderr().contains("copied data.bin to copy.bin in S3"));
            Files2.write(tree, "later.txt", "after the crash");
            await().atMost(LONG).until(() -> s3.exists(bucket, "later.txt"));
            second.terminate();
            assertEquals(0, second.waitFor(60), second.stderr());
        }
    }

    /** S3 fails a part's copy (500, a dropped connection): the part is copied again, the others are kept. */
    @Test
    void aPartCopyS3FailsIsCopiedAgainWithoutTheOthers() throws Exception {
        try (TestApp app = startWithCopiesInParts(Map.of())) {
            byte[] data = uploaded(app, "data.bin");
            proxy.when(r -> isPartCopy(r) && r.query().contains("partNumber=2")).times(1).respond(500,
                    "InternalError");
            proxy.when(r -> isPartCopy(r) && r.query().contains("partNumber=3")).times(1).dropConnection();

            Files.move(tree.resolve("data.bin"), tree.resolve("moved.bin"));
            awaitBytes("moved.bin", data);
            await().atMost(LONG).until(() -> app.counters().getCopied() == 1);
            List<FaultyS3Proxy.Request> copies = seen("moved.bin").stream().filter(CopiesInPartsTest::isPartCopy)
                    .toList();
            assertEquals(1, copies.stream().filter(r -> r.query().contains("partNumber=1")).count(), copies.toString());
            assertEquals(5, copies.size(), copies.toString());
            assertEquals(0, count("moved.bin", CopiesInPartsTest::isPartUpload));
            assertEquals(0, app.counters().getFailed());
            assertEquals(List.of(), s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads());
            aLaterChangeStillArrives();
        }
    }

    /**
     * Another writer replaced the old object in S3 with one whose first 5MB are the file's but not the rest: the
     * copied parts that hold the file's bytes are kept, the upload sends only the others, and the old name, which S3
     * no longer held as the state said, is uploaded again.
     */
    @Test
    void partsThatHoldSomethingElseAreUploadedAndTheCheckedOnesKept() throws Exception {
        try (TestApp app = startWithCopiesInParts(Map.of("sync.deletes", "false")); LogCapture log = new LogCapture()) {
            byte[] data = uploaded(app, "data.bin");
            byte[] replaced = Arrays.copyOf(data, data.length);
            byte[] tail = new byte[data.length - 5 * MB];
            new Random(99).nextBytes(tail);
            System.arraycopy(tail, 0, replaced, 5 * MB, tail.length);
            s3.client().putObject(b -> b.bucket(bucket).key("data.bin"), RequestBody.fromBytes(replaced));

            Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
            awaitBytes("copy.bin", data);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 2);
            List<FaultyS3Proxy.Request> uploads = seen("copy.bin").stream().filter(CopiesInPartsTest::isPartUpload)
                    .toList();
            assertEquals(0, uploads.stream().filter(r -> r.query().contains("partNumber=1")).count(),
                    "part 1 was copied and checked: " + uploads);
            assertTrue(log.lines(Level.INFO, "sync").stream().anyMatch(l -> l.contains("the copy of data.bin to"
                    + " copy.bin does not hold the file's content")), log.lines(Level.INFO, "sync").toString());
            assertTrue(log.lines(Level.INFO, "sync").stream().anyMatch(l -> l.contains("uploaded copy.bin (" + SIZE
                    + " bytes, " + 5 * MB + " of them copied in S3)")), log.lines(Level.INFO, "sync").toString());
            awaitBytes("data.bin", data); // looked at again
            assertEquals(List.of(), s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads());
            aLaterChangeStillArrives();
        }
    }

    /** The old object was deleted in S3 behind watch2s3's back: 404 to the part's copy, and the file is uploaded. */
    @Test
    void aSourceDeletedInS3MakesAnUploadAndTheOldNameIsSyncedAgain() throws Exception {
        try (TestApp app = startWithCopiesInParts(Map.of("sync.deletes", "false"))) {
            byte[] data = uploaded(app, "data.bin");
            s3.client().deleteObject(b -> b.bucket(bucket).key("data.bin"));

            Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
            awaitBytes("copy.bin", data);
            awaitBytes("data.bin", data);
            assertEquals(3, count("copy.bin", CopiesInPartsTest::isPartUpload));
            assertEquals(0, app.counters().getFailed());
            assertEquals(List.of(), s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads());
            aLaterChangeStillArrives();
        }
    }

    /**
     * A server with CopyObject but no UploadPartCopy (501): said once; large files are uploaded from then on, without
     * asking again, and smaller ones are still copied whole.
     */
    @Test
    void aServerWithoutPartCopiesUploadsLargeFilesAndStillCopiesSmallOnes() throws Exception {
        try (TestApp app = startWithCopiesInParts(Map.of()); LogCapture log = new LogCapture()) {
            byte[] data = uploaded(app, "data.bin");
            FaultyS3Proxy.Fault noPartCopies = proxy.when(CopiesInPartsTest::isPartCopy).respond(501,
                    "NotImplemented");
            Files.copy(tree.resolve("data.bin"), tree.resolve("one.bin"));
            awaitBytes("one.bin", data);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 2);
            int refused = noPartCopies.matches();
            assertTrue(refused >= 1);
            assertEquals(3, count("one.bin", CopiesInPartsTest::isPartUpload));

            Files.copy(tree.resolve("data.bin"), tree.resolve("two.bin"));
            awaitBytes("two.bin", data);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 3);
            assertEquals(refused, noPartCopies.matches(), "not asked again");

            byte[] small = placeRandom(tree, "small.bin", 300 << 10, 5);
            awaitBytes("small.bin", small);
            Files.copy(tree.resolve("small.bin"), tree.resolve("small copy.bin"));
            awaitBytes("small copy.bin", small);
            await().atMost(LONG).until(() -> app.counters().getCopied() == 1);
            assertEquals(1, log.lines(Level.WARN, "sync").stream()
                    .filter(l -> l.contains("S3 does not copy parts of objects for us (HTTP 501")).count());
            assertEquals(0, log.lines(Level.WARN, "sync").stream()
                    .filter(l -> l.contains("S3 does not copy objects for us")).count());
            assertEquals(0, app.counters().getFailed());
            assertEquals(List.of(), s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads());
            aLaterChangeStillArrives();
        }
    }

    /**
     * S3 answers a part's copy with nothing to check it by (an ETag that is no MD5, no CRC32): the copy is not trusted,
     * and the file's upload sends every part into the same upload.
     */
    @Test
    void partCopiesWithNothingToCheckThemByAreUploaded() throws Exception {
        try (TestApp app = startWithCopiesInParts(Map.of()); LogCapture log = new LogCapture()) {
            byte[] data = uploaded(app, "data.bin");
            FaultyS3Proxy.Fault unchecked = proxy.when(CopiesInPartsTest::isPartCopy).answerOk(
                    "<CopyPartResult><ETag>\"not-an-md5\"</ETag></CopyPartResult>");
            Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
            awaitBytes("copy.bin", data);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 2);
            assertTrue(unchecked.matches() >= 1);
            assertEquals(3, count("copy.bin", CopiesInPartsTest::isPartUpload));
            assertEquals(0, app.counters().getCopied());
            assertEquals(0, app.counters().getFailed());
            assertEquals(List.of(), log.atLeast(Level.WARN));
            assertEquals(List.of(), s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads());
            aLaterChangeStillArrives();
        }
    }

    /** Credentials that may write but not read objects: 403 to a part's copy is said once; files are uploaded. */
    @Test
    void aPartCopyRefusedWith403IsSaidOnceAndTheFileUploaded() throws Exception {
        try (TestApp app = startWithCopiesInParts(Map.of()); LogCapture log = new LogCapture()) {
            byte[] data = uploaded(app, "data.bin");
            FaultyS3Proxy.Fault refused = proxy.when(CopiesInPartsTest::isPartCopy).respond(403, "AccessDenied");

            Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
            awaitBytes("copy.bin", data);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 2);
            assertTrue(refused.matches() >= 1);
            assertEquals(3, count("copy.bin", CopiesInPartsTest::isPartUpload));
            assertEquals(1, log.lines(Level.WARN, "sync").stream()
                    .filter(l -> l.contains("S3 does not copy objects for us (HTTP 403 AccessDenied")).count());
            assertEquals(0, app.counters().getFailed());
            assertEquals(List.of(), s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads());
            aLaterChangeStillArrives();
        }
    }
}
