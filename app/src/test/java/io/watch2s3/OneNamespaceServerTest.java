package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.health.S3Health;
import io.watch2s3.support.FaultyS3Proxy.Request;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A server with one namespace for files and directories, as MinIO is: it refuses a file where objects of a directory
 * of that name still are (409 XMinioObjectExistsAsDirectory) and a key below an object (400 XMinioParentIsObject).
 * AWS S3 takes both. A `git checkout` that turns a file into a directory, or the reverse, must still end with exactly
 * the tree's objects there, and what cannot be stored must say why.
 */
class OneNamespaceServerTest extends ProxiedS3TestBase {

    private static final Map<String, String> DELETES_ON = Map.of("sync.deletes", "true");

    /** The proxy answers as MinIO does, judging by what the server behind it holds at that moment. */
    @BeforeEach
    void answerLikeMinio() {
        proxy.when(r -> r.isPut() && objectsBelow(r.key())).respond(409, "XMinioObjectExistsAsDirectory");
        proxy.when(r -> r.isPut() && anObjectAbove(r.key())).respond(400, "XMinioParentIsObject");
    }

    private boolean objectsBelow(String key) {
        return s3.keys(bucket).stream().anyMatch(k -> k.startsWith(key + "/"));
    }

    private boolean anObjectAbove(String key) {
        List<String> keys = s3.keys(bucket);
        for (int slash = key.indexOf('/'); slash > 0; slash = key.indexOf('/', slash + 1)) {
            if (keys.contains(key.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }

    private long conflictAnswers() {
        return proxy.requests().stream().filter(s -> s.outcome().contains("XMinio")).count();
    }

    private void awaitBucketEqualsTree() {
        await().atMost(LONG).pollInterval(Duration.ofMillis(500))
                .until(() -> TreeFiles.bucket(s3, bucket).equals(TreeFiles.of(tree)));
    }

    @Test
    void aFileAndADirectorySwappingPlacesEndAsTheTreeWhenTheDeletesAreSlow() throws Exception {
        write(tree, "docs/api", "api as one file");                      // becomes a directory
        for (int i = 0; i < 3; i++) {
            write(tree, "guide/v" + i + ".md", "guide page " + i);       // the directory becomes a file
        }
        try (TestApp app = startThroughProxy(DELETES_ON)) {
            awaitBucketEqualsTree();
            // the deletes are slow: the uploads reach the server while the old objects are still there
            proxy.when(Request::isDelete).delay(Duration.ofSeconds(2));
            Files.delete(tree.resolve("docs/api"));
            for (int i = 0; i < 3; i++) {
                write(tree, "docs/api/v" + i + ".md", "api page " + i);
            }
            TreeFiles.deleteTree(tree.resolve("guide"));
            write(tree, "guide", "the guide as one file");

            awaitBucketEqualsTree();
            assertEquals(List.of("docs/api/v0.md", "docs/api/v1.md", "docs/api/v2.md", "guide"),
                    s3.keys(bucket).stream().sorted().toList());
            assertTrue(conflictAnswers() >= 1, "the server refused an upload first: " + proxy.requests());
            assertEquals(0, app.counters().getFailed(FailureKind.KEY_CONFLICT), "retried, not given up");
            aLaterChangeStillArrives();
        }
    }

    @Test
    void aFileWhereTheBucketKeepsADirectorysObjectsSaysWhyIsCountedAndTheOthersGoOn() throws Exception {
        for (int i = 0; i < 3; i++) {
            write(tree, "guide/v" + i + ".md", "guide page " + i);
        }
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of("sync.max-retries", "1"))) {
            awaitBucketEqualsTree();
            // deletes are not mirrored (the default): guide/v*.md stay, and this server cannot store "guide" too
            TreeFiles.deleteTree(tree.resolve("guide"));
            write(tree, "guide", "the guide as one file");

            await().atMost(LONG).until(() -> app.counters().getFailed(FailureKind.KEY_CONFLICT) == 1);
            assertFalse(s3.exists(bucket, "guide"));
            assertTrue(log.lines(Level.WARN, "sync").stream().anyMatch(l -> l.contains("could not sync guide")
                    && l.contains("HTTP 409 XMinioObjectExistsAsDirectory") && l.contains("sync.deletes=true")),
                    log.atLeast(Level.WARN).toString());
            // the proxy records a request once it has answered it, a moment after the client has the answer
            await().atMost(LONG).until(() -> putsOf("guide") >= 2);
            assertFalse(app.bean("s3Health", S3Health.class).isDown(), "one file's conflict says nothing about S3");
            aLaterChangeStillArrives();
            assertEquals(2, putsOf("guide"), "sent once and retried once (sync.max-retries=1)");
        }
    }
}
