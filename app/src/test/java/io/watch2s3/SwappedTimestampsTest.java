package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import io.watch2s3.support.TreeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Files whose timestamps say nothing changed although their bytes did: two files of one size and one mtime swapped
 * by renames (as tar, unzip, cp -p and rsync -a leave timestamps, and a reproducible build sets them all alike). Size
 * and mtime alone, rsync's and rclone's quick check, take them for unchanged; the ctime, which no tool sets back, does
 * not. Seen live, and by the catch-up scan after a restart.
 */
class SwappedTimestampsTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(3);
    private static final FileTime BUILD_TIME = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));

    private void twoFilesOfOneSizeAndOneMtime() throws Exception {
        write(tree, "site/app.js", "version one");
        write(tree, "site/old.js", "version two");
        Files.setLastModifiedTime(tree.resolve("site/app.js"), BUILD_TIME);
        Files.setLastModifiedTime(tree.resolve("site/old.js"), BUILD_TIME);
    }

    private void swapThem() throws Exception {
        Path site = tree.resolve("site");
        Files.move(site.resolve("app.js"), site.resolve("swap.tmp"));
        Files.move(site.resolve("old.js"), site.resolve("app.js"));
        Files.move(site.resolve("swap.tmp"), site.resolve("old.js"));
    }

    private void awaitBucketEqualsTree() {
        await().atMost(LONG).pollInterval(Duration.ofMillis(500))
                .until(() -> TreeFiles.bucket(s3, bucket).equals(TreeFiles.of(tree)));
    }

    @Test
    void swappedWhileWatchedEndsWithEachFilesBytes() throws Exception {
        twoFilesOfOneSizeAndOneMtime();
        try (TestApp app = start(Map.of())) {
            awaitBucketEqualsTree();
            swapThem();
            awaitBucketEqualsTree();
            assertEquals("version two", s3.getText(bucket, "site/app.js"));
        }
    }

    @Test
    void swappedWhileStoppedEndsWithEachFilesBytesAfterTheRestart() throws Exception {
        twoFilesOfOneSizeAndOneMtime();
        try (TestApp app = start(Map.of())) {
            awaitBucketEqualsTree();
        }
        swapThem();
        try (TestApp app = start(Map.of())) {
            awaitBucketEqualsTree();
            assertEquals("version two", s3.getText(bucket, "site/app.js"));
        }
    }
}
