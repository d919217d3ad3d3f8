package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
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
        Map<String, String> s = settings(Map.of("sync.deletes", "true"));
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
