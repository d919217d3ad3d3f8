package io.watch2s3;

import static io.watch2s3.support.Files2.placeRandom;
import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.health.S3Health;
import io.watch2s3.support.JarTest;
import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.Files2;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * s3.server-side-copy: a file whose content S3 already holds under another key (renamed, moved with its directory,
 * copied) is copied there by S3 instead of uploaded; what the copy holds is checked, and whenever S3 does not copy
 * (the old object is gone or was replaced in S3, the credentials may not copy, S3 does not answer) the file is
 * uploaded, and the next change still arrives. Through a proxy that sees (and can fail) every copy.
 */
class ServerSideCopiesTest extends ProxiedS3TestBase {

    private static final int KB = 1024;

    /** Copy requests for {@code key}: PUTs that name a source object. */
    private long copiesOf(String key) {
        return proxy.requests().stream().filter(r -> r.request().isPut() && r.request().key().equals(key)
                && r.request().carriesHeader("x-amz-copy-source")).count();
    }

    /** PUTs that sent {@code key}'s bytes. */
    private long uploadsOf(String key) {
        return putsOf(key) - copiesOf(key);
    }

    private static boolean isCopy(FaultyS3Proxy.Request request) {
        return request.isPut() && request.carriesHeader("x-amz-copy-source");
    }

    @Test
    void aRenamedFileIsCopiedByS3AndItsOldObjectDeletedAfterTheCopy() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("sync.deletes", "true"));
                LogCapture log = new LogCapture()) {
            byte[] film = placeRandom(tree, "video/a film+%.mp4", 600 * KB, 1);
            awaitBytes("video/a film+%.mp4", film);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 1);
            proxy.clearRequests();

            Files.move(tree.resolve("video/a film+%.mp4"), tree.resolve("video/ü new name&?.mp4"));
            awaitBytes("video/ü new name&?.mp4", film);
            await().atMost(LONG).until(() -> !s3.exists(bucket, "video/a film+%.mp4"));

            assertEquals(1, copiesOf("video/ü new name&?.mp4"));
            assertEquals(0, uploadsOf("video/ü new name&?.mp4"));
            await().atMost(LONG).until(() -> app.counters().getCopied() == 1);
            assertEquals(1, app.counters().getUploaded());
            // the old name's delete waited for the copy: it went after it, not first
            List<FaultyS3Proxy.Request> seen = proxy.requests().stream().map(FaultyS3Proxy.Seen::request)
                    .filter(r -> isCopy(r) || r.isDelete()).toList();
            assertTrue(isCopy(seen.get(0)) && seen.get(1).isDelete(), seen.toString());
            // the new object is the file's, not the old name's copy: its type by its name, its mtime and SHA-256
            HeadObjectResponse head = s3.head(bucket, "video/ü new name&?.mp4");
            assertEquals("video/mp4", head.contentType());
            assertEquals(sha256Hex(film), head.metadata().get("sha256"));
            assertEquals(mtimeOf("video/ü new name&?.mp4"), head.metadata().get("mtime"));
            await().atMost(LONG).until(() -> !log.lines(Level.INFO, "sync").stream()
                    .filter(l -> l.contains("copied video/a film+%.mp4 to video/ü new name&?.mp4 in S3")).toList()
                    .isEmpty());
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aMovedDirectoryIsCopiedFileByFileAndItsSmallFilesUploaded() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("sync.deletes", "true"))) {
            byte[][] images = new byte[3][];
            for (int i = 0; i < 3; i++) {
                images[i] = placeRandom(tree, "site/img/" + i + ".jpg", 300 * KB + i, i);
            }
            Files2.write(tree, "site/index.html", "<h1>home</h1>");
            for (int i = 0; i < 3; i++) {
                awaitBytes("site/img/" + i + ".jpg", images[i]);
            }
            awaitObject("site/index.html", "<h1>home</h1>");
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 4);
            proxy.clearRequests();

            Files.move(tree.resolve("site"), tree.resolve("www"));
            for (int i = 0; i < 3; i++) {
                awaitBytes("www/img/" + i + ".jpg", images[i]);
            }
            awaitObject("www/index.html", "<h1>home</h1>");
            await().atMost(LONG).until(() -> s3.keys(bucket).stream().noneMatch(k -> k.startsWith("site/")));

            for (int i = 0; i < 3; i++) {
                assertEquals(1, copiesOf("www/img/" + i + ".jpg"), "www/img/" + i + ".jpg");
                assertEquals(0, uploadsOf("www/img/" + i + ".jpg"));
            }
            assertEquals(1, uploadsOf("www/index.html")); // below s3.server-side-copy (256KB): uploaded
            assertEquals(treeKeys(), new TreeSet<>(s3.keys(bucket)));
            aLaterChangeStillArrives();
        }
    }

    /**
     * A move of more files than sync.max-batch: the old name's delete is in the first batch, the new names are spread
     * over several that run side by side. The old objects' deletes wait until the last of them has copied.
     */
    @Test
    void aDirectoryMovedInManyBatchesIsCopiedWholeAndItsOldObjectsDeletedAfterTheLastCopy() throws Exception {
        Map<String, String> settings = Map.of("sync.deletes", "true", "sync.max-batch", "10",
                "s3.server-side-copy", "64KB");
        byte[][] files = placeMany("big", 40);
        try (TestApp app = startThroughProxy(settings)) {
            awaitAll("big", files);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == files.length);
            proxy.clearRequests();

            Files.move(tree.resolve("big"), tree.resolve("moved"));
            awaitAll("moved", files);
            await().atMost(LONG).until(() -> s3.keys(bucket).stream().noneMatch(k -> k.startsWith("big/")));
            everyFileCopiedNoneUploadedAndTheDeletesAfterTheLastCopy("moved", files.length);
            assertEquals(files.length, app.counters().getCopied());
            assertEquals(treeKeys(), new TreeSet<>(s3.keys(bucket)));
            aLaterChangeStillArrives();
        }
    }

    /** The same move made while watch2s3 was stopped: the start's scan finds the old names last, in batches apart. */
    @Test
    void aDirectoryMovedWhileStoppedIsCopiedByTheScansBatchesWhole() throws Exception {
        Map<String, String> settings = Map.of("sync.deletes", "true", "sync.max-batch", "10",
                "s3.server-side-copy", "64KB");
        byte[][] files = placeMany("big", 40);
        try (TestApp app = startThroughProxy(settings)) {
            awaitAll("big", files);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == files.length);
        }
        proxy.clearRequests();
        Files.move(tree.resolve("big"), tree.resolve("a-moved")); // walked before nothing: its batches come first
        try (TestApp app = startThroughProxy(settings)) {
            awaitAll("a-moved", files);
            await().atMost(LONG).until(() -> s3.keys(bucket).stream().noneMatch(k -> k.startsWith("big/")));
            everyFileCopiedNoneUploadedAndTheDeletesAfterTheLastCopy("a-moved", files.length);
            assertEquals(treeKeys(), new TreeSet<>(s3.keys(bucket)));
            aLaterChangeStillArrives();
        }
    }

    private byte[][] placeMany(String directory, int count) throws Exception {
        byte[][] files = new byte[count][];
        for (int i = 0; i < count; i++) {
            files[i] = placeRandom(tree, directory + "/f" + i + ".bin", 70 * KB + i, 100 + i);
        }
        return files;
    }

    private void awaitAll(String directory, byte[][] files) {
        for (int i = 0; i < files.length; i++) {
            awaitBytes(directory + "/f" + i + ".bin", files[i]);
        }
    }

    private void everyFileCopiedNoneUploadedAndTheDeletesAfterTheLastCopy(String directory, int count) {
        for (int i = 0; i < count; i++) {
            String key = directory + "/f" + i + ".bin";
            assertEquals(1, copiesOf(key), key);
            assertEquals(0, uploadsOf(key), key);
        }
        List<FaultyS3Proxy.Request> seen = proxy.requests().stream().map(FaultyS3Proxy.Seen::request)
                .filter(r -> isCopy(r) || r.isDelete()).toList();
        int lastCopy = -1;
        int firstDelete = seen.size();
        for (int i = 0; i < seen.size(); i++) {
            if (isCopy(seen.get(i))) {
                lastCopy = i;
            } else {
                firstDelete = Math.min(firstDelete, i);
            }
        }
        assertTrue(lastCopy < firstDelete, "a delete before the last copy: " + seen);
    }

    @Test
    void aCopiedFileIsCopiedAndTheOriginalKeptWithDeletesOff() throws Exception {
        try (TestApp app = startThroughProxy(Map.of())) {
            byte[] report = placeRandom(tree, "a/report.pdf", 512 * KB, 7);
            awaitBytes("a/report.pdf", report);
            Files.createDirectories(tree.resolve("b"));
            Files.copy(tree.resolve("a/report.pdf"), tree.resolve("b/report.pdf"));
            awaitBytes("b/report.pdf", report);
            assertEquals(1, copiesOf("b/report.pdf"));
            assertEquals(0, uploadsOf("b/report.pdf"));
            assertArrayEquals(report, s3.get(bucket, "a/report.pdf"));
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aSourceObjectDeletedInS3MeanwhileMakesAnUpload() throws Exception {
        try (TestApp app = startThroughProxy(Map.of())) {
            byte[] data = placeRandom(tree, "data.bin", 400 * KB, 3);
            awaitBytes("data.bin", data);
            s3.client().deleteObject(b -> b.bucket(bucket).key("data.bin")); // behind watch2s3's back
            Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
            awaitBytes("copy.bin", data);
            assertEquals(1, copiesOf("copy.bin")); // S3 said 404 NoSuchKey
            assertEquals(1, uploadsOf("copy.bin"));
            // the state was wrong about data.bin: it is uploaded again rather than left missing until it changes
            awaitBytes("data.bin", data);
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aSourceObjectReplacedInS3IsNotTrustedTheFileIsUploaded() throws Exception {
        try (TestApp app = startThroughProxy(Map.of());
                LogCapture log = new LogCapture()) {
            byte[] data = placeRandom(tree, "data.bin", 400 * KB, 4);
            awaitBytes("data.bin", data);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 1);
            byte[] other = new byte[data.length];
            new Random(99).nextBytes(other);
            // another writer replaced the object, same size: the state still says it holds data.bin's content
            s3.client().putObject(b -> b.bucket(bucket).key("data.bin"), RequestBody.fromBytes(other));
            Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
            await().atMost(LONG).until(() -> uploadsOf("copy.bin") == 1);
            awaitBytes("copy.bin", data);
            assertEquals(1, copiesOf("copy.bin"));
            // (not the copied counter: data.bin, sent round again, may well be copied from copy.bin)
            assertTrue(log.lines(Level.INFO, "sync").stream().anyMatch(l -> l.contains("the copy of data.bin to"
                    + " copy.bin does not hold the file's content")));
            // and data.bin, which S3 no longer held as the state said, is uploaded again
            awaitBytes("data.bin", data);
            aLaterChangeStillArrives();
        }
    }

    @Test
    void credentialsThatMayNotCopyMakeUploadsOnceSaidAndTheBucketStaysHealthy() throws Exception {
        try (TestApp app = startThroughProxy(Map.of());
                LogCapture log = new LogCapture()) {
            FaultyS3Proxy.Fault refused = proxy.when(ServerSideCopiesTest::isCopy).respond(403, "AccessDenied");
            byte[] data = placeRandom(tree, "data.bin", 300 * KB, 5);
            awaitBytes("data.bin", data);
            Files.copy(tree.resolve("data.bin"), tree.resolve("one.bin"));
            awaitBytes("one.bin", data);
            Files.copy(tree.resolve("data.bin"), tree.resolve("two.bin"));
            awaitBytes("two.bin", data);

            assertEquals(1, refused.matches()); // once refused, no file tries again
            assertEquals(1, uploadsOf("one.bin"));
            assertEquals(1, uploadsOf("two.bin"));
            assertEquals(0, copiesOf("two.bin"));
            assertEquals(0, app.counters().getFailed());
            S3Health health = app.bean("s3Health", S3Health.class);
            assertNull(health.getBucketProblem());
            assertFalse(health.isDown());
            assertEquals(1, log.lines(Level.WARN, "sync").stream()
                    .filter(l -> l.contains("S3 does not copy objects for us (HTTP 403 AccessDenied")).count());
            aLaterChangeStillArrives();
        }
    }

    /**
     * A server that refuses the checksum header (501 NotImplemented, as S3Proxy does) refuses the header, not copies:
     * the copy goes again without it, at once; a 501 to a copy without it means the server makes no copies.
     */
    @Test
    void a501ForTheChecksumHeaderIsNoRefusalOfCopiesA501WithoutItIs() throws Exception {
        try (TestApp app = startThroughProxy(Map.of());
                LogCapture log = new LogCapture()) {
            byte[] data = placeRandom(tree, "data.bin", 300 * KB, 12);
            awaitBytes("data.bin", data);
            FaultyS3Proxy.Fault noChecksums = proxy.when(r -> isCopy(r) && r.carriesHeader("x-amz-checksum-"))
                    .respond(501, "NotImplemented");
            Files.copy(tree.resolve("data.bin"), tree.resolve("one.bin"));
            awaitBytes("one.bin", data);
            await().atMost(LONG).until(() -> app.counters().getCopied() == 1);
            assertEquals(1, noChecksums.matches());
            assertEquals(2, copiesOf("one.bin"));
            assertEquals(0, uploadsOf("one.bin"));

            FaultyS3Proxy.Fault noCopies = proxy.when(ServerSideCopiesTest::isCopy).respond(501, "NotImplemented");
            Files.copy(tree.resolve("data.bin"), tree.resolve("two.bin"));
            awaitBytes("two.bin", data);
            assertEquals(1, noCopies.matches());
            assertEquals(1, uploadsOf("two.bin"));
            assertEquals(1, log.lines(Level.WARN, "sync").stream()
                    .filter(l -> l.contains("S3 does not copy objects for us (HTTP 501 NotImplemented")).count());
            assertEquals(0, app.counters().getFailed());
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aCopyS3DoesNotAnswerIsSentAgain() throws Exception {
        try (TestApp app = startThroughProxy(Map.of())) {
            byte[] data = placeRandom(tree, "data.bin", 300 * KB, 6);
            awaitBytes("data.bin", data);
            FaultyS3Proxy.Fault failing = proxy.when(ServerSideCopiesTest::isCopy).times(1).respond(500, "InternalError");
            FaultyS3Proxy.Fault dropped = proxy.when(ServerSideCopiesTest::isCopy).times(1).dropConnection();
            Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
            awaitBytes("copy.bin", data);
            await().atMost(LONG).until(() -> app.counters().getCopied() == 1);
            assertEquals(1, failing.matches());
            assertEquals(1, dropped.matches());
            assertEquals(3, copiesOf("copy.bin"));
            assertEquals(0, uploadsOf("copy.bin"));
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aDryRunSaysWhatS3WouldCopyAndCopiesNothing() throws Exception {
        byte[] data;
        try (TestApp app = startThroughProxy(Map.of())) {
            data = placeRandom(tree, "data.bin", 300 * KB, 9);
            awaitBytes("data.bin", data);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 1);
        }
        Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
        proxy.clearRequests();
        try (LogCapture log = new LogCapture();
                TestApp dry = startThroughProxy(Map.of("sync.dry-run", "true", "sync.once", "true"))) {
            assertTrue(dry.awaitOnceDone());
            await().atMost(LONG).until(() -> log.lines(Level.INFO, "sync").stream()
                    .anyMatch(l -> l.equals("dry run: would copy data.bin to copy.bin in S3 (307200 bytes not uploaded)")));
        }
        assertEquals(0, proxy.requests().stream().filter(r -> r.request().isPut()).count());
        assertFalse(s3.exists(bucket, "copy.bin"));
        try (TestApp app = startThroughProxy(Map.of())) {
            awaitBytes("copy.bin", data);
            assertEquals(1, copiesOf("copy.bin"));
        }
    }

    /** A source uploaded in parts is copied whole: the copy's ETag is the MD5 of the content again. */
    @Test
    void aFileThatWentUpInPartsIsCopiedWhole() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("s3.part-size", "5MB", "sync.deletes", "true"))) {
            byte[] film = placeRandom(tree, "film.mp4", 6 * 1024 * KB, 10);
            awaitBytes("film.mp4", film);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 1);
            Files.move(tree.resolve("film.mp4"), tree.resolve("renamed.mp4"));
            awaitBytes("renamed.mp4", film);
            await().atMost(LONG).until(() -> !s3.exists(bucket, "film.mp4"));
            await().atMost(LONG).until(() -> app.counters().getCopied() == 1);
            assertEquals(1, copiesOf("renamed.mp4"));
            assertEquals(0, uploadsOf("renamed.mp4"));
            aLaterChangeStillArrives();
        }
    }

    /**
     * What S3 says a copy holds decides: a SHA-256 that is not the file's, or an ETag that is no MD5 (of parts, where
     * S3 gives no SHA-256), and the file is uploaded rather than the copy trusted. The proxy answers the copies itself.
     */
    @Test
    void aCopyWhoseAnswerDoesNotShowTheFilesContentIsFollowedByAnUpload() throws Exception {
        try (TestApp app = startThroughProxy(Map.of());
                LogCapture log = new LogCapture()) {
            byte[] data = placeRandom(tree, "data.bin", 300 * KB, 11);
            awaitBytes("data.bin", data);
            String notTheFiles = java.util.Base64.getEncoder().encodeToString(new byte[32]);
            // each for its own key: the first answer also sends data.bin round again (its object is in doubt now),
            // whose copy must not take the second
            proxy.when(r -> isCopy(r) && r.key().equals("one.bin")).times(1).answerOk("<CopyObjectResult><ETag>\"0\""
                    + "</ETag><ChecksumSHA256>" + notTheFiles + "</ChecksumSHA256></CopyObjectResult>");
            proxy.when(r -> isCopy(r) && r.key().equals("two.bin")).times(1).answerOk(
                    "<CopyObjectResult><ETag>\"d41d8cd98f00b204e9800998ecf8427e-2\"</ETag></CopyObjectResult>");
            Files.copy(tree.resolve("data.bin"), tree.resolve("one.bin"));
            awaitBytes("one.bin", data);
            Files.copy(tree.resolve("data.bin"), tree.resolve("two.bin"));
            awaitBytes("two.bin", data);
            assertEquals(1, uploadsOf("one.bin"));
            assertEquals(1, uploadsOf("two.bin"));
            assertEquals(1, log.lines(Level.INFO, "sync").stream()
                    .filter(l -> l.contains("does not hold the file's content")).count()); // the SHA-256's
            // that answer also cast doubt on data.bin's object: looked at again, it is in S3 as the file is
            awaitBytes("data.bin", data);
            aLaterChangeStillArrives();
        }
    }

    /**
     * kill -9 while a moved directory's copies go: the next start finds the new names pending and the old ones in
     * doubt (made pending), their objects still in S3 (their deletes wait for the copies): it copies, not uploads.
     */
    @JarTest
    void aCrashDuringADirectorysMoveIsFollowedByCopiesNotUploads() throws Exception {
        Map<String, String> s = settings(Map.of("sync.deletes", "true"));
        s.put("s3.endpoint", proxy.url());
        byte[][] files = new byte[6][];
        for (int i = 0; i < files.length; i++) {
            files[i] = placeRandom(tree, "site/" + i + ".bin", 300 * KB, 30 + i);
        }
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), TestApp.asJvmOptions(s), Map.of())) {
            for (int i = 0; i < files.length; i++) {
                awaitBytes("site/" + i + ".bin", files[i]);
            }
            await().atMost(LONG).until(() -> first.stderr().contains("uploaded site/5.bin")
                    && first.stderr().split("uploaded site/", -1).length - 1 == files.length);
            FaultyS3Proxy.Hold held = proxy.when(ServerSideCopiesTest::isCopy).hold();
            Files.move(tree.resolve("site"), tree.resolve("www"));
            held.awaitArrival(LONG);
            first.close(); // SIGKILL with copies under way
            first.waitFor(30);
            held.remove();
        }
        proxy.clearRequests();
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), TestApp.asJvmOptions(s), Map.of())) {
            for (int i = 0; i < files.length; i++) {
                awaitBytes("www/" + i + ".bin", files[i]);
            }
            await().atMost(LONG).until(() -> s3.keys(bucket).stream().noneMatch(k -> k.startsWith("site/")));
            for (int i = 0; i < files.length; i++) {
                assertEquals(0, uploadsOf("www/" + i + ".bin"), second.stderr());
            }
            write(tree, "later.txt", "written after the crash");
            awaitObject("later.txt", "written after the crash");
        }
    }

    /**
     * kill -9 just after an old object's DELETE went, the copy from it made a moment before: the copy was forced onto
     * the disk before the deletes were sent, so the next start does not upload the new file (its source is gone).
     */
    @JarTest
    void aCrashJustAfterASourcesDeleteForgetsNoCopyMadeFromIt() throws Exception {
        Map<String, String> s = settings(Map.of("sync.deletes", "true", "s3.server-side-copy", "64KB"));
        s.put("s3.endpoint", proxy.url());
        byte[] a = placeRandom(tree, "old/a.bin", 100 * KB, 41);
        byte[] b = placeRandom(tree, "old/b.bin", 100 * KB, 42);
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), TestApp.asJvmOptions(s), Map.of())) {
            awaitBytes("old/a.bin", a);
            awaitBytes("old/b.bin", b);
            await().atMost(LONG).until(() -> first.stderr().contains("uploaded old/b.bin")
                    && first.stderr().contains("uploaded old/a.bin"));
            FaultyS3Proxy.Hold deleteOfB = proxy.when(r -> r.isDelete() && r.key().equals("old/b.bin")).times(1)
                    .hold();
            Files.move(tree.resolve("old"), tree.resolve("new"));
            deleteOfB.awaitArrival(LONG);
            await().atMost(LONG).pollInterval(Duration.ofMillis(10)).until(() -> !s3.exists(bucket, "old/a.bin"));
            first.close(); // SIGKILL: a's copy confirmed a moment ago, its source deleted
            first.waitFor(30);
        }
        proxy.clearRequests();
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), TestApp.asJvmOptions(s), Map.of())) {
            awaitBytes("new/a.bin", a);
            awaitBytes("new/b.bin", b);
            await().atMost(LONG).until(() -> s3.keys(bucket).stream().noneMatch(k -> k.startsWith("old/")));
            assertEquals(0, uploadsOf("new/a.bin"), second.stderr());
            write(tree, "later.txt", "written after the crash");
            awaitObject("later.txt", "written after the crash");
        }
    }

    @Test
    void offUploadsEveryFile() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("s3.server-side-copy", "off"))) {
            byte[] data = placeRandom(tree, "data.bin", 300 * KB, 8);
            awaitBytes("data.bin", data);
            Files.copy(tree.resolve("data.bin"), tree.resolve("copy.bin"));
            awaitBytes("copy.bin", data);
            assertEquals(0, copiesOf("copy.bin"));
            assertEquals(1, uploadsOf("copy.bin"));
        }
    }

    private TreeSet<String> treeKeys() throws Exception {
        try (Stream<Path> files = Files.walk(tree)) {
            return files.filter(Files::isRegularFile).map(p -> tree.relativize(p).toString())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    private String mtimeOf(String relative) throws Exception {
        long nanos = Files.getLastModifiedTime(tree.resolve(relative)).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        return java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }

    private static String sha256Hex(byte[] content) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    }
}
