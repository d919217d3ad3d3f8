package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.Files2;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * S3 carried out a request whose answer never came back (a network break at the wrong moment), then watch2s3 was
 * killed: the row from before must not be trusted at the next start. Found from outside (rclone check): a file
 * reverted, or a directory moved back, while watch2s3 was down stayed wrong in S3 for good, because the file matched
 * the row of what S3 held before.
 */
class UnconfirmedRequestsTest extends ProxiedS3TestBase {

    private JavaProcess startProcess(String run) throws Exception {
        return startProcess(run, Map.of());
    }

    private JavaProcess startProcess(String run, Map<String, String> more) throws Exception {
        Map<String, String> s = settings(Map.of("sync.deletes", "true"));
        s.putAll(more);
        s.put("s3.endpoint", proxy.url());
        return JavaProcess.start(dir.resolve(run), TestApp.asJvmOptions(s), Map.of());
    }

    private static void kill(JavaProcess process) throws Exception {
        process.close(); // SIGKILL: whatever it had not written to the state database is lost
        process.waitFor(30);
    }

    @Test
    void aFileRevertedWhileDownAfterAnUnansweredUploadEndsWithItsContentInS3() throws Exception {
        write(tree, "page.html", "version 1");
        try (JavaProcess first = startProcess("run1")) {
            awaitObject("page.html", "version 1");
            FaultyS3Proxy.Fault lost = proxy.when(r -> r.isPut() && r.key().equals("page.html")).loseTheAnswer();
            write(tree, "page.html", "version 2");
            // S3 holds version 2; watch2s3 never heard so
            await().atMost(LONG).until(() -> lost.matches() >= 1 && s3.getText(bucket, "page.html").equals("version 2"));
            kill(first);
            lost.remove();
        }
        write(tree, "page.html", "version 1"); // reverted while watch2s3 is down: the content of its old row
        try (JavaProcess second = startProcess("run2")) {
            awaitObject("page.html", "version 1");
            second.terminate();
            assertEquals(0, second.waitFor(60), second.stderr());
            // said once: the start-up's look at the state (which bucket it describes) said it too, half a second before
            String said = "1 files whose upload or delete had not been confirmed when watch2s3 last stopped";
            assertEquals(1, second.stderr().split(java.util.regex.Pattern.quote(said), -1).length - 1, second.stderr());
        }
    }

    /** The same without a restart: the upload given up, the file reverted before its next turn. */
    @Test
    void aFileRevertedAfterAnUnansweredUploadEndsWithItsContentInS3() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("sync.max-retries", "0"))) {
            write(tree, "page.html", "version 1");
            awaitObject("page.html", "version 1");
            FaultyS3Proxy.Fault lost = proxy.when(r -> r.isPut() && r.key().equals("page.html")).times(1)
                    .loseTheAnswer();
            write(tree, "page.html", "version 2");
            await().atMost(LONG).until(() -> lost.matches() == 1 && app.counters().getFailed() >= 1);
            assertEquals("version 2", s3.getText(bucket, "page.html"), "S3 did it; watch2s3 never heard so");
            write(tree, "page.html", "version 1"); // the content of its row from before
            awaitObject("page.html", "version 1");
            aLaterChangeStillArrives();
        }
    }

    /**
     * S3 took two large files (one PUT, one multipart upload) whose answers never came back, then watch2s3 was killed:
     * the next start asks S3 (HEAD) what it holds under their keys and sends neither again, while a third, rewritten
     * while watch2s3 was down with the bytes of its row from before, is sent: S3 holds other bytes under its key.
     */
    @Test
    void largeFilesS3TookUnheardBeforeAKillAreNotSentAgainButOneRevertedWhileDownIs() throws Exception {
        Map<String, String> inParts = Map.of("s3.part-size", "5MB");
        byte[] before;
        try (JavaProcess first = startProcess("run1", inParts)) {
            before = Files2.placeRandom(tree, "reverted.bin", 2 << 20, 1);
            awaitBytes("reverted.bin", before);
            // every answer to a PUT of a whole file, or to a multipart upload's completion, is lost; and no HEAD of
            // this run learns what S3 holds before it is killed
            FaultyS3Proxy.Fault lost = proxy.when(r -> r.isPut() && !r.query().contains("partNumber")
                    || r.method().equals("POST") && r.query().contains("uploadId")).loseTheAnswer();
            FaultyS3Proxy.Hold heads = proxy.when(FaultyS3Proxy.Request::isHeadObject).hold();
            byte[] one = Files2.placeRandom(tree, "one.bin", 2 << 20, 2);
            byte[] parted = Files2.placeRandom(tree, "video/parted.mp4", (5 << 20) + 4096, 3);
            byte[] rewritten = Files2.placeRandom(tree, "reverted.bin", 2 << 20, 4);
            awaitBytes("one.bin", one);
            awaitBytes("video/parted.mp4", parted);
            awaitBytes("reverted.bin", rewritten);
            await().atMost(LONG).until(() -> lost.matches() >= 3);
            kill(first);
            lost.remove();
            heads.remove();
        }
        Files2.placeRandom(tree, "reverted.bin", 2 << 20, 1); // the content of its row from before
        long putsBefore = putsOf("one.bin") + putsOf("video/parted.mp4");
        proxy.clearRequests();
        try (JavaProcess second = startProcess("run2", inParts)) {
            awaitBytes("reverted.bin", before);
            aLaterChangeStillArrives();
            await().atMost(LONG).until(() -> second.stderr().contains("S3 holds the bytes of one.bin already")
                    && second.stderr().contains("S3 holds the bytes of video/parted.mp4 already"));
            assertEquals(0, putsOf("one.bin") + putsOf("video/parted.mp4"), "sent before the kill: " + putsBefore);
            for (String key : new String[] {"one.bin", "video/parted.mp4", "reverted.bin"}) {
                assertEquals(1, proxy.requests().stream().filter(r -> r.request().isHeadObject()
                        && r.request().key().equals(key)).count(), key + ": one HEAD");
            }
            assertEquals(1, putsOf("reverted.bin"));
            // the multipart upload whose completion went unheard is no longer remembered as under way
            await().atMost(LONG).until(() -> proxy.requests().stream().anyMatch(r -> r.request().isDelete()
                    && r.request().key().equals("video/parted.mp4") && r.request().query().contains("uploadId")));
            second.terminate();
            assertEquals(0, second.waitFor(60), second.stderr());
        }
        // their rows are confirmed: a third start sends nothing and has nothing left to abort
        proxy.clearRequests();
        try (JavaProcess third = startProcess("run3", inParts)) {
            write(tree, "later.txt", "later again");
            awaitObject("later.txt", "later again");
            third.terminate();
            assertEquals(0, third.waitFor(60), third.stderr());
            assertEquals(List.of("later.txt"), proxy.requests().stream().filter(r -> r.request().isPut())
                    .map(r -> r.request().key()).toList());
            assertFalse(third.stderr().contains("multipart upload"), third.stderr());
        }
    }

    /**
     * Without a restart: a large file's upload S3 took without its answer reaching watch2s3 is given up (S3 may have
     * done it); the file's next turn asks S3 and sends nothing. A HEAD that S3 answers 500 fails that turn like any
     * request (tried again), and one S3 refuses (403) leaves the file to be uploaded as before.
     */
    @Test
    void aLargeFileWhoseUploadAnswerWasLostIsNotSentAgainOnItsNextTurn() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("sync.max-retries", "0"))) {
            FaultyS3Proxy.Fault lost = proxy.when(r -> r.isPut() && r.key().endsWith(".bin")).times(2)
                    .loseTheAnswer();
            FaultyS3Proxy.Fault failing = proxy.when(r -> r.isHeadObject() && r.key().equals("kept.bin")).times(1)
                    .respond(500, "InternalError");
            FaultyS3Proxy.Fault refused = proxy.when(r -> r.isHeadObject() && r.key().equals("refused.bin"))
                    .respond(403, "AccessDenied");
            byte[] kept = Files2.placeRandom(tree, "kept.bin", 2 << 20, 5);
            byte[] sentAgain = Files2.placeRandom(tree, "refused.bin", 2 << 20, 6);
            await().atMost(LONG).until(() -> lost.matches() == 2 && app.counters().getFailed() >= 2);
            awaitBytes("kept.bin", kept);
            await().atMost(LONG).until(() -> failing.matches() == 1 && refused.matches() == 1);
            awaitBytes("refused.bin", sentAgain);
            await().atMost(LONG).until(() -> putsOf("refused.bin") == 2 && app.counters().getUnchanged() >= 1);
            await().atMost(LONG).until(() -> proxy.requests().stream().filter(r -> r.request().isHeadObject()
                    && r.request().key().equals("kept.bin") && r.status() == 200).count() == 1);
            aLaterChangeStillArrives();
            assertEquals(1, putsOf("kept.bin"), "S3 took it the first time");
            byte[] changed = Files2.placeRandom(tree, "kept.bin", 2 << 20, 7);
            awaitBytes("kept.bin", changed);
        }
    }

    /**
     * The object under a large file's key was replaced by another tool (no sha256 metadata of watch2s3's) after the
     * file's upload went unheard: the HEAD says nothing of its content, and the file is uploaded.
     */
    @Test
    void anObjectThatSaysNothingOfItsContentDoesNotStandForTheFile() throws Exception {
        try (TestApp app = startThroughProxy(Map.of("sync.max-retries", "0"))) {
            FaultyS3Proxy.Fault lost = proxy.when(r -> r.isPut() && r.key().equals("foreign.bin")).times(1)
                    .loseTheAnswer();
            FaultyS3Proxy.Hold head = proxy.when(r -> r.isHeadObject() && r.key().equals("foreign.bin")).hold();
            byte[] file = Files2.placeRandom(tree, "foreign.bin", 2 << 20, 8);
            head.awaitArrival(LONG);
            assertEquals(1, lost.matches());
            s3.client().putObject(b -> b.bucket(bucket).key("foreign.bin"),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(file)); // the same bytes, without our metadata
            head.release();
            await().atMost(LONG).until(() -> putsOf("foreign.bin") == 2);
            awaitBytes("foreign.bin", file);
            await().atMost(LONG).until(() -> app.counters().getUploaded() == 1);
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aDirectoryMovedBackWhileDownAfterUnansweredDeletesEndsWithEveryObject() throws Exception {
        for (int i = 0; i < 5; i++) {
            write(tree, "site/f" + i + ".txt", "file " + i);
        }
        try (JavaProcess first = startProcess("run1")) {
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 5);
            FaultyS3Proxy.Fault lost = proxy.when(r -> r.isDelete() && r.key().startsWith("site/")).loseTheAnswer();
            Path away = Files.createDirectories(dir.resolve("away"));
            Files.move(tree.resolve("site"), away.resolve("site"));
            await().atMost(LONG).until(() -> s3.keys(bucket).isEmpty()); // S3 deleted them; watch2s3 never heard so
            kill(first);
            lost.remove();
            Files.move(away.resolve("site"), tree.resolve("site")); // moved back while watch2s3 is down
        }
        try (JavaProcess second = startProcess("run2")) {
            for (int i = 0; i < 5; i++) {
                awaitObject("site/f" + i + ".txt", "file " + i);
            }
            second.terminate();
            assertEquals(0, second.waitFor(60), second.stderr());
        }
    }
}
